# eval_render.sh -- the HTML report of `vitae eval` renders in a real
# browser (headless Chromium, Debian's `chromium`, installed here when it is
# missing and the machine can install it): the summary table is laid out
# with a row per area, every section is there, each inline SVG plot has a
# size and draws marks, and a screenshot of the page is far from blank.
# The page is loaded from a file with no network.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir eval_render)
have_default_modules || finish

# The browser: Debian's chromium, installed when missing (root and apt).
BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "# installing Debian's chromium for the render test" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$W/apt.log" 2>&1 || true
  BROWSER=$(command -v chromium || true)
fi
if [ -z "$BROWSER" ]; then
  skip "the report renders in headless Chromium" "chromium is not installed and could not be installed here ($(tail -1 "$W/apt.log" 2>/dev/null))"
  finish
fi
browse() { timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
  --user-data-dir="$W/profile" "$@" 2>>"$W/browser.log"; }

vitae run -p 1500 -s 21 -o "$W/train.db" -q
vitae run -p 1500 -s 22 -o "$W/holdout.db" -q
vitae run -p 1500 -s 23 -o "$W/synth.db" -q
vitae eval --synth "$W/synth.db" --real "$W/train.db" --holdout "$W/holdout.db" -o "$W/report.html" -q
check_status "the report is written" 0 "$rc"

# Measure the laid-out page from inside it: a copy of the report with a
# script that writes what the browser drew into a <pre>, read back with
# --dump-dom.
cat > "$W/measure.js" <<'JS'
<script>
(function () {
  var out = [];
  var rows = document.querySelectorAll("#summary tr");
  var t = document.querySelector("#summary table");
  out.push("summary_rows=" + rows.length);
  out.push("summary_height=" + (t ? Math.round(t.getBoundingClientRect().height) : 0));
  ["fidelity", "utility", "privacy", "sanity"].forEach(function (id) {
    var s = document.getElementById(id);
    out.push(id + "_height=" + (s ? Math.round(s.getBoundingClientRect().height) : 0));
  });
  var svgs = document.querySelectorAll("svg"), empty = 0, drawn = 0;
  svgs.forEach(function (s) {
    var b = s.getBoundingClientRect(), n = 0;
    s.querySelectorAll("rect,path,polyline,polygon,circle,line").forEach(function (e) {
      var bb = e.getBBox(); if (bb.width > 0 || bb.height > 0) n++;
    });
    if (b.width < 50 || b.height < 50 || n < 3) empty++; else drawn++;
  });
  out.push("svgs=" + svgs.length + " drawn=" + drawn + " empty=" + empty);
  var p = document.createElement("pre"); p.id = "vt-result"; p.textContent = out.join(" ");
  document.body.appendChild(p);
})();
</script>
JS
awk -v js="$W/measure.js" '/<\/body>/ { while ((getline l < js) > 0) print l } { print }' "$W/report.html" > "$W/measure.html"
browse --dump-dom "file://$W/measure.html" > "$W/dom.html"
res=$(sed -n 's#.*<pre id="vt-result">\(.*\)</pre>.*#\1#p' "$W/dom.html")
if [ -z "$res" ]; then
  notok "the browser ran the page" "no result in the dumped DOM" "$(tail -5 "$W/browser.log")"
  finish
fi
ok "the browser ran the page ($res)"
val() { printf '%s\n' "$res" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check_eq "the summary table has a header and a row per area" "5" "$(val summary_rows)"
check_between "the summary table is laid out" 40 100000 "$(val summary_height)"
for s in fidelity utility privacy sanity; do
  check_between "the $s section is laid out" 50 1000000 "$(val ${s}_height)"
done
check_between "the plots are there" 8 1000 "$(val svgs)"
check_eq "no plot is empty or collapsed" "0" "$(val empty)"

# A screenshot of the top of the page and one of a blank page: the report's
# compresses far worse (text, badges, plots).
browse --screenshot="$W/shot.png" --window-size=1280,2400 "file://$W/report.html" >/dev/null
printf '<!DOCTYPE html><html><body></body></html>\n' > "$W/blank.html"
browse --screenshot="$W/blank.png" --window-size=1280,2400 "file://$W/blank.html" >/dev/null
if [ -s "$W/shot.png" ] && [ -s "$W/blank.png" ]; then
  s=$(wc -c < "$W/shot.png"); b=$(wc -c < "$W/blank.png")
  if [ "$s" -gt $((b * 4)) ]; then ok "the screenshot is far from blank ($s bytes, blank page $b)"
  else notok "the screenshot is far from blank" "$s bytes against $b for a blank page"; fi
  check_eq "the screenshot is a PNG" "PNG" "$(head -c 4 "$W/shot.png" | tail -c 3)"
else
  notok "the browser takes screenshots" "$(tail -5 "$W/browser.log")"
fi

finish
