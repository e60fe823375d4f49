/*
** workload.c -- the public workload of `vitae learn`: the codes a module set
** can start, the strata, the category lists, the vector layout with stable
** names, and the declared sensitivity (learn/workload.h;
** docs/learn-statistics.md).
*/
#include "learn/workload.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lua/loader.h"
#include "sim/model.h"
#include "sim/strbuf.h"

const char *const vt_wl_race_names[VT_WL_NRACE] = { "white", "black", "asian", "native", "hawaiian", "other",
                                                     "unknown" };
const char *const vt_wl_eth_names[VT_WL_NETH] = { "hispanic", "nonhispanic", "unknown" };
static const char SEXES[VT_WL_NSEX] = { 'F', 'M' };
/* Log-spaced: the first month (what follows at once: a drug at diagnosis),
** half a year, a year, two years, then to the cap (docs/learn-statistics.md). */
const int vt_wl_obs_edges[VT_WL_NOBS + 1] = { 0, 365, 730, 1096, 1461, 1826, 2557, 3653, 5479, 10958 };
const int vt_wl_pair_edges[VT_WL_PAIR_NBINS + 1] = { 0, 30, 180, 365, 730, VT_WL_PAIR_CAP };

int vt_wl_pair_bin(int64_t days) {
  if (days < 0 || days >= VT_WL_PAIR_CAP) return -1;
  int b = 0;
  while (days >= vt_wl_pair_edges[b + 1]) b++;
  return b;
}

void vt_workload_init(vt_workload *wl) { memset(wl, 0, sizeof *wl); }

void vt_workload_free(vt_workload *wl) {
  for (size_t i = 0; i < wl->ncodes; i++) { free(wl->systems[i]); free(wl->codes[i]); }
  free(wl->systems);
  free(wl->codes);
  free(wl->kinds);
  free(wl->pair_a);
  free(wl->pair_b);
  memset(wl, 0, sizeof *wl);
}

/* The index of code (system, code) in wl, or -1. */
static long find_code(const vt_workload *wl, const char *system, const char *code) {
  if (!system || !code) return -1;
  for (size_t i = 0; i < wl->ncodes; i++)
    if (strcmp(wl->codes[i], code) == 0 && strcmp(wl->systems[i], system) == 0) return (long)i;
  return -1;
}

int vt_workload_add_pair(vt_workload *wl, size_t a, size_t b) {
  if (a == b || a >= wl->ncodes || b >= wl->ncodes) return 0;
  for (size_t i = 0; i < wl->npairs; i++) if (wl->pair_a[i] == a && wl->pair_b[i] == b) return 0;
  if (wl->npairs == wl->paircap) {
    size_t cap = wl->paircap ? 2 * wl->paircap : 64;
    size_t *x = realloc(wl->pair_a, cap * sizeof *x);
    if (!x) return -1;
    wl->pair_a = x;
    size_t *y = realloc(wl->pair_b, cap * sizeof *y);
    if (!y) return -1;
    wl->pair_b = y;
    wl->paircap = cap;
  }
  wl->pair_a[wl->npairs] = a;
  wl->pair_b[wl->npairs] = b;
  wl->npairs++;
  return 1;
}

size_t vt_workload_npairs(const vt_workload *wl) { return wl->npairs; }

int vt_workload_add(vt_workload *wl, const char *system, const char *code, vt_wl_kind kind) {
  if (!system || !code || !*code) return 0;
  for (size_t i = 0; i < wl->ncodes; i++)   /* module code lists are small: a scan is enough */
    if (strcmp(wl->codes[i], code) == 0 && strcmp(wl->systems[i], system) == 0) return 0;
  if (wl->ncodes == wl->cap) {
    size_t cap = wl->cap ? 2 * wl->cap : 64;
    char **s = realloc(wl->systems, cap * sizeof *s);
    if (!s) return -1;
    wl->systems = s;
    char **c = realloc(wl->codes, cap * sizeof *c);
    if (!c) return -1;
    wl->codes = c;
    uint8_t *k = realloc(wl->kinds, cap);
    if (!k) return -1;
    wl->kinds = k;
    wl->cap = cap;
  }
  char *s = strdup(system), *c = strdup(code);
  if (!s || !c) { free(s); free(c); return -1; }
  wl->systems[wl->ncodes] = s;
  wl->codes[wl->ncodes] = c;
  wl->kinds[wl->ncodes] = (uint8_t)kind;
  wl->ncodes++;
  return 0;
}

/* The workload kind of a module state type, or -1 for states whose codes
** have no onset. */
static int state_kind(int type) {
  switch (type) {
  case VT_S_CONDITION_ONSET: return VT_WL_CONDITION;
  case VT_S_ALLERGY_ONSET: return VT_WL_ALLERGY;
  case VT_S_MEDICATION_ORDER: return VT_WL_MEDICATION;
  case VT_S_PROCEDURE: return VT_WL_PROCEDURE;
  case VT_S_VACCINE: return VT_WL_IMMUNIZATION;
  case VT_S_DEVICE: return VT_WL_DEVICE;
  case VT_S_CAREPLAN_START: return VT_WL_CAREPLAN;
  default: return -1;
  }
}

/* ---- linked pairs ------------------------------------------------------------ */

/* The workload codes state s records, into out (at most max); their count. */
static int state_codes(const vt_workload *wl, const vt_state *s, size_t *out, int max) {
  int n = 0;
  if (state_kind(s->type) < 0) return 0;
  for (int i = 0; i < s->ncodes && n < max; i++) {
    long k = find_code(wl, s->codes[i].system, s->codes[i].code);
    if (k >= 0) out[n++] = (size_t)k;
  }
  if (s->procedure_code && n < max) {
    long k = find_code(wl, s->procedure_code->system, s->procedure_code->code);
    if (k >= 0) out[n++] = (size_t)k;
  }
  return n;
}


#define MAX_STATE_CODES 64
#define MAX_SUCC 256

/* Add module m's linked pairs (the rule in workload.h).  0, or -1 out of
** memory. */
static int module_pairs(vt_workload *wl, const vt_module *m) {
  int ns = m->nstates, succ[MAX_SUCC], added = 0, rc = -1;
  if (ns <= 0) return 0;
  int *depth = malloc((size_t)ns * sizeof *depth), *queue = malloc((size_t)ns * sizeof *queue);
  int *nc = calloc((size_t)ns, sizeof *nc);
  size_t *codes = malloc((size_t)ns * MAX_STATE_CODES * sizeof *codes);
  if (!depth || !queue || !nc || !codes) goto done;
  for (int k = 0; k < ns; k++) nc[k] = state_codes(wl, &m->states[k], codes + (size_t)k * MAX_STATE_CODES, MAX_STATE_CODES);
  for (int k = 0; k < ns && added < VT_WL_PAIR_MAX; k++) {
    if (nc[k] == 0) continue;
    const size_t *ac = codes + (size_t)k * MAX_STATE_CODES;
    for (int i = 0; i < ns; i++) depth[i] = -1;
    int head = 0, tail = 0;
    depth[k] = 0;
    queue[tail++] = k;
    while (head < tail && added < VT_WL_PAIR_MAX) {
      int x = queue[head++];
      const size_t *bc = codes + (size_t)x * MAX_STATE_CODES;
      for (int i = 0; x != k && i < nc[k] && added < VT_WL_PAIR_MAX; i++)
        for (int j = 0; j < nc[x] && added < VT_WL_PAIR_MAX; j++) {
          int r = vt_workload_add_pair(wl, ac[i], bc[j]);
          if (r < 0) goto done;
          added += r;
        }
      if (depth[x] >= VT_WL_PAIR_DEPTH) continue;
      int n = vt_state_successors(m, &m->states[x], succ, MAX_SUCC);
      for (int i = 0; i < n; i++) {
        int y = succ[i];
        if (depth[y] >= 0 || y == m->initial) continue;
        depth[y] = depth[x] + 1;
        queue[tail++] = y;
      }
    }
  }
  rc = 0;
done:
  free(depth);
  free(queue);
  free(nc);
  free(codes);
  return rc;
}

int vt_workload_from_modset(vt_workload *wl, const struct vt_modset *ms) {
  vt_workload_init(wl);
  for (int m = 0; m < ms->n; m++)
    for (int k = 0; k < ms->mods[m]->nstates; k++) {
      const vt_state *s = &ms->mods[m]->states[k];
      int kind = state_kind(s->type);
      if (kind < 0) continue;
      for (int i = 0; i < s->ncodes; i++)
        if (vt_workload_add(wl, s->codes[i].system, s->codes[i].code, (vt_wl_kind)kind) != 0) goto oom;
      if (s->procedure_code &&
          vt_workload_add(wl, s->procedure_code->system, s->procedure_code->code, VT_WL_PROCEDURE) != 0)
        goto oom;
    }
  for (int m = 0; m < ms->n; m++)
    if (module_pairs(wl, ms->mods[m]) != 0) goto oom;
  return 0;
oom:
  vt_workload_free(wl);
  return -1;
}

/* ---- layout ------------------------------------------------------------ */

size_t vt_workload_block_size(const vt_workload *wl, vt_wl_block b) {
  switch (b) {
  case VT_WL_BLOCK_DEMOG: return VT_WL_NDEMOG;
  case VT_WL_BLOCK_DEATHS:
  case VT_WL_BLOCK_PERSONTIME: return VT_WL_NSTRATA;
  case VT_WL_BLOCK_RISKTIME: return VT_WL_NSTRATA;
  case VT_WL_BLOCK_ONSET:
  case VT_WL_BLOCK_POSTONSET: return wl->ncodes * VT_WL_NSTRATA;
  case VT_WL_BLOCK_OBSLEN: return VT_WL_NOBS;
  case VT_WL_BLOCK_PAIR_ONSET:
  case VT_WL_BLOCK_PAIR_ATRISK: return wl->npairs * VT_WL_PAIR_NBINS;
  default: return 0;
  }
}

size_t vt_workload_block_offset(const vt_workload *wl, vt_wl_block b) {
  size_t off = 0;
  for (int i = 0; i < (int)b && i < VT_WL_BLOCK__COUNT; i++) off += vt_workload_block_size(wl, (vt_wl_block)i);
  return off;
}

size_t vt_workload_size(const vt_workload *wl) { return vt_workload_block_offset(wl, VT_WL_BLOCK__COUNT); }

const char *vt_workload_block_name(vt_wl_block b) {
  static const char *const names[VT_WL_BLOCK__COUNT] = { "demog", "deaths", "persontime", "risktime", "onset",
                                                         "postonset", "obs_length", "pair_onset", "pair_atrisk" };
  return (int)b >= 0 && b < VT_WL_BLOCK__COUNT ? names[b] : "?";
}

vt_wl_block vt_workload_block_of(const vt_workload *wl, size_t i) {
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    size_t n = vt_workload_block_size(wl, (vt_wl_block)b);
    if (i < n) return (vt_wl_block)b;
    i -= n;
  }
  return VT_WL_BLOCK__COUNT;
}

int vt_wl_stratum(char sex, int band) {
  if (band < 0 || band >= VT_WL_NBANDS) return -1;
  for (int s = 0; s < VT_WL_NSEX; s++) if (SEXES[s] == sex) return s * VT_WL_NBANDS + band;
  return -1;
}

int vt_wl_band_of_age(int years) {
  if (years < 0) return -1;
  int b = years / VT_WL_BAND_YEARS;
  return b >= VT_WL_NBANDS ? VT_WL_NBANDS - 1 : b;
}

/* "F/40-44", "M/85+" for stratum s. */
static void stratum_name(int s, char *out, size_t outlen) {
  int band = s % VT_WL_NBANDS, lo = band * VT_WL_BAND_YEARS;
  if (band == VT_WL_NBANDS - 1) snprintf(out, outlen, "%c/%d+", SEXES[s / VT_WL_NBANDS], lo);
  else snprintf(out, outlen, "%c/%02d-%02d", SEXES[s / VT_WL_NBANDS], lo, lo + VT_WL_BAND_YEARS - 1);
}

/* The name of entry i of the demographic block. */
static void demog_name(size_t i, char *out, size_t outlen) {
  static const char *const sexes[3] = { "F", "M", "U" };
  if (i < 3) { snprintf(out, outlen, "sex/%s", sexes[i]); return; }
  i -= 3;
  if (i < VT_WL_NDECADES) {
    int nd = VT_WL_NDECADES - 3;
    if ((int)i < nd) snprintf(out, outlen, "birth_decade/%ds", VT_WL_DECADE_FIRST + 10 * (int)i);
    else snprintf(out, outlen, "birth_decade/%s", (const char *[]){ "before", "after", "unknown" }[(int)i - nd]);
    return;
  }
  i -= VT_WL_NDECADES;
  if (i < VT_WL_NRACE) { snprintf(out, outlen, "race/%s", vt_wl_race_names[i]); return; }
  i -= VT_WL_NRACE;
  snprintf(out, outlen, "ethnicity/%s", vt_wl_eth_names[i]);
}

int vt_workload_name(const vt_workload *wl, size_t i, char *out, size_t outlen) {
  char st[16];
  if (outlen) *out = 0;
  vt_wl_block b = vt_workload_block_of(wl, i);
  if (b == VT_WL_BLOCK__COUNT) return -1;
  size_t j = i - vt_workload_block_offset(wl, b);
  switch (b) {
  case VT_WL_BLOCK_DEMOG: demog_name(j, out, outlen); break;
  case VT_WL_BLOCK_DEATHS:
  case VT_WL_BLOCK_PERSONTIME:
    stratum_name((int)j, st, sizeof st);
    snprintf(out, outlen, "%s/%s", b == VT_WL_BLOCK_DEATHS ? "deaths" : "persontime", st);
    break;
  case VT_WL_BLOCK_RISKTIME:
    stratum_name((int)j, st, sizeof st);
    snprintf(out, outlen, "risktime/%s", st);
    break;
  case VT_WL_BLOCK_OBSLEN:
    if (j + 1 < VT_WL_NOBS) snprintf(out, outlen, "obs_length/%d-%dd", vt_wl_obs_edges[j], vt_wl_obs_edges[j + 1] - 1);
    else snprintf(out, outlen, "obs_length/%d+d", vt_wl_obs_edges[j]);
    break;
  case VT_WL_BLOCK_PAIR_ONSET:
  case VT_WL_BLOCK_PAIR_ATRISK: {
    size_t q = j / VT_WL_PAIR_NBINS, bin = j % VT_WL_PAIR_NBINS;
    size_t a = wl->pair_a[q], c = wl->pair_b[q];
    snprintf(out, outlen, "%s/%s:%s>%s:%s/%d-%dd", vt_workload_block_name(b), wl->systems[a], wl->codes[a],
             wl->systems[c], wl->codes[c], vt_wl_pair_edges[bin], vt_wl_pair_edges[bin + 1] - 1);
    break;
  }
  default: {
    size_t c = j / VT_WL_NSTRATA;
    stratum_name((int)(j % VT_WL_NSTRATA), st, sizeof st);
    snprintf(out, outlen, "%s/%s:%s/%s", vt_workload_block_name(b), wl->systems[c], wl->codes[c], st);
  }
  }
  return 0;
}

/* ---- public categories --------------------------------------------------- */

/* 1 if s equals one of the NULL-terminated names, ignoring case and
** surrounding blanks. */
static int is_one_of(const char *s, const char *const *names) {
  while (*s == ' ') s++;
  size_t n = strlen(s);
  while (n && s[n - 1] == ' ') n--;
  for (; *names; names++)
    if (strlen(*names) == n && strncasecmp(s, *names, n) == 0) return 1;
  return 0;
}

int vt_wl_race_index(const char *race) {
  static const char *const lists[6][6] = {
    { "white", "8527", NULL },
    { "black", "black or african american", "african american", "8516", NULL },
    { "asian", "8515", NULL },
    { "native", "american indian or alaska native", "american indian", "8657", NULL },
    { "hawaiian", "native hawaiian or other pacific islander", "pacific islander", "8557", NULL },
    { "unknown", "no matching concept", "0", "not reported", "none", NULL },
  };
  if (!race || !*race) return VT_WL_NRACE - 1;
  for (int i = 0; i < 5; i++) if (is_one_of(race, lists[i])) return i;
  if (is_one_of(race, lists[5])) return VT_WL_NRACE - 1;
  return 5;   /* other */
}

int vt_wl_eth_index(const char *eth) {
  static const char *const his[] = { "hispanic", "hispanic or latino", "38003563", NULL };
  static const char *const non[] = { "nonhispanic", "non-hispanic", "not hispanic or latino", "not hispanic",
                                     "38003564", NULL };
  if (!eth || !*eth) return 2;
  if (is_one_of(eth, his)) return 0;
  if (is_one_of(eth, non)) return 1;
  return 2;
}

int vt_wl_decade_index(int year, int known) {
  int nd = VT_WL_NDECADES - 3;
  if (!known) return nd + 2;
  if (year < VT_WL_DECADE_FIRST) return nd;
  if (year >= VT_WL_DECADE_LAST + 10) return nd + 1;
  return (year - VT_WL_DECADE_FIRST) / 10;
}

/* ---- sensitivity ----------------------------------------------------------- */

uint64_t vt_workload_time_sq_bound(void) {
  /* sum of T_s^2 with sum T_s <= H, 0 <= T_s <= C, at most NBANDS strata
  ** (one sex): a convex function is largest at a vertex: q strata full, one
  ** with the rest */
  uint64_t c = VT_WL_CAP, h = VT_WL_HORIZON, q = h / c, r = h % c;
  if (q >= VT_WL_NBANDS) return VT_WL_NBANDS * c * c;
  return q * c * c + r * r;
}

uint64_t vt_workload_block_delta2(const vt_workload *wl, vt_wl_block b) {
  uint64_t t = vt_workload_time_sq_bound();
  switch (b) {
  case VT_WL_BLOCK_DEMOG: return 4;            /* one 1 in each of sex, decade, race, ethnicity */
  case VT_WL_BLOCK_DEATHS: return 1;           /* at most one death */
  case VT_WL_BLOCK_PERSONTIME: return t;      /* the mortality window's person-days */
  case VT_WL_BLOCK_RISKTIME: return t;
  case VT_WL_BLOCK_ONSET: return VT_WL_K;       /* at most K onsets of 1 */
  case VT_WL_BLOCK_POSTONSET: return VT_WL_K * t; /* at most K codes, each within the window */
  case VT_WL_BLOCK_OBSLEN: return 1;             /* one 1 in one bin */
  /* the pair blocks: empty (sensitivity 0) without pairs */
  case VT_WL_BLOCK_PAIR_ONSET:   /* at most K_P pairs, each one 1 in one bin */
    return wl->npairs ? VT_WL_PAIR_K : 0;
  case VT_WL_BLOCK_PAIR_ATRISK:  /* at most K_P pairs, each a 1 in at most every bin */
    return wl->npairs ? (uint64_t)VT_WL_PAIR_K * VT_WL_PAIR_NBINS : 0;
  default: return 0;
  }
}

uint64_t vt_workload_delta2(const vt_workload *wl) {
  uint64_t d = 0;
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) d += vt_workload_block_delta2(wl, (vt_wl_block)b);
  return d;
}
