-- Acute sinusitis: mostly viral, sometimes bacterial; antibiotics for
-- bacterial sinusitis.
--
-- Sources
--  [1] Rosenfeld RM et al. Clinical practice guideline (update): adult
--      sinusitis. Otolaryngol Head Neck Surg 2015;152(2 Suppl):S1-S39:
--      sinusitis affects about 1 in 8 adults in the US each year; most acute
--      rhinosinusitis is viral, and 0.5-2% of viral episodes become
--      bacterial; amoxicillin with or without clavulanate when antibiotics
--      are given; watchful waiting is an option.
--  [2] Fleming-Dutra KE et al. Prevalence of inappropriate antibiotic
--      prescriptions among US ambulatory care visits, 2010-2011. JAMA
--      2016;315:1864-1873: sinusitis accounted for more antibiotic
--      prescriptions than any other diagnosis.
--
-- Diagnosed bacterial sinusitis here is the share of visits coded as such
-- in practice, higher than the true bacterial rate of [1].

local VIRAL       = snomed(444814009, "Viral sinusitis (disorder)")
local BACTERIAL   = snomed(75498004, "Acute bacterial sinusitis (disorder)")
local PROBLEM     = snomed(185347001, "Encounter for problem (procedure)")
local AMOX_CLAV   = rxnorm(562508, "amoxicillin 875 MG / clavulanate 125 MG Oral Tablet")

local yearly = by_age {                 -- yearly chance of a visit for sinusitis
  { 3, param("sinusitis.yearly.3_17", 0.05) },
  { 18, param("sinusitis.yearly.adult", 0.10) },                 -- [1]
}
local BACTERIAL_SHARE = param("sinusitis.coded_bacterial", 0.25)

return module "Sinusitis" {
  Initial         = delay { years(3), next = "Year" },
  Year            = delay { months(6, 18), next = "Check" },
  Check           = simple { chance(yearly, "Congestion", "Year") },

  Congestion      = symptom { "Nasal Congestion", severity = range(30, 70), next = "Facial_Pain" },
  Facial_Pain     = symptom { "Facial Pain", severity = range(20, 60), next = "Visit" },
  Visit           = encounter { "ambulatory", PROBLEM, next = "Kind" },
  Kind            = simple { chance(BACTERIAL_SHARE, "Bacterial", "Viral") },

  Viral           = condition_onset { VIRAL, next = "Viral_Visit_End" },
  Viral_Visit_End = encounter_end { next = "Viral_Course" },
  Viral_Course    = delay { days(7, 14), next = "Viral_Resolved" },
  Viral_Resolved  = condition_end { "Viral", next = "Better" },

  Bacterial       = condition_onset { BACTERIAL, next = "Antibiotic" },
  Antibiotic      = medication_order { AMOX_CLAV, reason = "Bacterial", next = "Bacterial_Visit_End" },
  Bacterial_Visit_End = encounter_end { next = "Bacterial_Course" },
  Bacterial_Course = delay { days(7, 10), next = "Antibiotic_End" },
  Antibiotic_End  = medication_end { "Antibiotic", next = "Bacterial_Resolved" },
  Bacterial_Resolved = condition_end { "Bacterial", next = "Better" },

  Better          = symptom { "Nasal Congestion", severity = exactly(0), next = "Pain_Gone" },
  Pain_Gone       = symptom { "Facial Pain", severity = exactly(0), next = "Year" },
}
