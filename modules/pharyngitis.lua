-- Sore throat: viral pharyngitis or streptococcal pharyngitis ("strep
-- throat"), with a throat culture and penicillin for strep.
--
-- Sources
--  [1] Shulman ST et al. Clinical practice guideline for the diagnosis and
--      management of group A streptococcal pharyngitis: 2012 update by the
--      Infectious Diseases Society of America. Clin Infect Dis
--      2012;55:e86-e102: group A streptococcus causes 20-30% of sore throat
--      visits in children and 5-15% in adults; test before treating;
--      penicillin or amoxicillin for 10 days.
--
-- Yearly visit chances are estimates (school-age children have a visit for
-- sore throat every few years, adults less often); learn them from data
-- with `vitae learn`.

local VIRAL       = snomed(195662009, "Acute viral pharyngitis (disorder)")
local STREP       = snomed(43878008, "Streptococcal sore throat (disorder)")
local PROBLEM     = snomed(185347001, "Encounter for problem (procedure)")
local CULTURE     = snomed(117015009, "Throat culture (procedure)")
local PENICILLIN  = rxnorm(834102, "penicillin V potassium 500 MG Oral Tablet")
local AMOXICILLIN = rxnorm(308192, "amoxicillin 500 MG Oral Tablet")

local yearly = by_age {                 -- yearly chance of a visit for sore throat
  { 3, param("pharyngitis.yearly.3_14", 0.12) },
  { 15, param("pharyngitis.yearly.15_plus", 0.025) },
}
local strep = by_age { { 0, param("pharyngitis.strep.child", 0.25) },     -- [1]
                       { 15, param("pharyngitis.strep.adult", 0.10) } }

return module "Pharyngitis" {
  Initial         = delay { years(3), next = "Year" },
  Year            = delay { months(6, 18), next = "Check" },
  Check           = simple { chance(yearly, "Sore_Throat", "Year") },

  Sore_Throat     = symptom { "Sore Throat", severity = range(30, 80), next = "Visit" },
  Visit           = encounter { "ambulatory", PROBLEM, next = "Culture" },
  Culture         = procedure { CULTURE, duration = minutes(5, 10), next = "Cause" },
  Cause           = simple { chance(strep, "Strep", "Viral") },

  Viral           = condition_onset { VIRAL, next = "Viral_Visit_End" },
  Viral_Visit_End = encounter_end { next = "Viral_Course" },
  Viral_Course    = delay { days(5, 10), next = "Viral_Resolved" },
  Viral_Resolved  = condition_end { "Viral", next = "Better" },

  -- strep throat: ten days of penicillin or amoxicillin [1]
  Strep           = condition_onset { STREP, next = "Antibiotic" },
  Antibiotic      = simple { pick { { 0.5, "Penicillin" }, { 0.5, "Amoxicillin" } } },
  Penicillin      = medication_order { PENICILLIN, reason = "Strep", next = "Strep_Visit_End" },
  Amoxicillin     = medication_order { AMOXICILLIN, reason = "Strep", next = "Strep_Visit_End" },
  Strep_Visit_End = encounter_end { next = "Strep_Course" },
  Strep_Course    = delay { days(10), next = "Antibiotic_End" },
  Antibiotic_End  = simple { when { { has_medication(PENICILLIN), "Stop_Penicillin" }, otherwise = "Stop_Amoxicillin" } },
  Stop_Penicillin = medication_end { "Penicillin", next = "Strep_Resolved" },
  Stop_Amoxicillin = medication_end { "Amoxicillin", next = "Strep_Resolved" },
  Strep_Resolved  = condition_end { "Strep", next = "Better" },

  Better          = symptom { "Sore Throat", severity = exactly(0), next = "Year" },
}
