-- Acute otitis media: ear infections of infants and young children, treated
-- with amoxicillin or watchful waiting.
--
-- Sources
--  [1] Teele DW et al. Epidemiology of otitis media during the first seven
--      years of life in children in greater Boston. J Infect Dis
--      1989;160:83-94: by 1 year 62% and by 3 years 83% of children had at
--      least one episode; 46% had three or more by 3 years; the peak is at
--      6-18 months.
--  [2] Lieberthal AS et al. The diagnosis and management of acute otitis
--      media. Pediatrics 2013;131:e964-e999 (AAP guideline): amoxicillin
--      first line; observation without antibiotics is an option for
--      non-severe illness in children 2 years and older (and unilateral
--      disease from 6 months).
--
-- Episode chances per three months are chosen to match the cumulative
-- figures of [1]; episodes become rare after 6 years.

local OTITIS      = snomed(65363002, "Otitis media (disorder)")
local PROBLEM     = snomed(185347001, "Encounter for problem (procedure)")
local AMOXICILLIN = rxnorm(308182, "amoxicillin 250 MG Oral Capsule")
local ACETAMINOPHEN = rxnorm(313820, "acetaminophen 160 MG Chewable Tablet")

local episode = by_age {                -- chance of an episode in each three-month period
  { 0.5, param("otitis_media.quarterly.6_23_months", 0.24) },
  { 2, param("otitis_media.quarterly.2_3_years", 0.13) },
  { 4, param("otitis_media.quarterly.4_6_years", 0.05) },
}
local ANTIBIOTIC = by_age { { 0, param("otitis_media.antibiotic.under_2", 0.95) },   -- [2]
                            { 2, param("otitis_media.antibiotic.2_plus", 0.75) } }

return module "Otitis Media" {
  Initial        = delay { months(6), next = "Quarter" },
  Quarter        = delay { months(3), next = "Check" },
  Check          = simple { when {
                     { age_at_least(7), "Terminal" },
                     otherwise = chance(episode, "Ear_Pain", "Quarter") } },

  -- ear pain, fever, a pulling at the ear
  Ear_Pain       = symptom { "Ear Pain", severity = range(40, 90), next = "Fever" },
  Fever          = symptom { "Fever", severity = range(20, 70), next = "Visit" },
  Visit          = encounter { "ambulatory", PROBLEM, next = "Diagnosis" },
  Diagnosis      = condition_onset { OTITIS, next = "Pain_Relief" },
  Pain_Relief    = medication_order { ACETAMINOPHEN, reason = "Diagnosis", next = "Antibiotic_Decision" },
  Antibiotic_Decision = simple { chance(ANTIBIOTIC, "Amoxicillin", "Visit_End") },
  Amoxicillin    = medication_order { AMOXICILLIN, reason = "Diagnosis", next = "Visit_End" },
  Visit_End      = encounter_end { next = "Course" },

  -- better within ten days
  Course         = delay { days(7, 10), next = "Pain_Relief_End" },
  Pain_Relief_End = medication_end { "Pain_Relief", next = "Antibiotic_End" },
  Antibiotic_End = simple { when { { has_medication(AMOXICILLIN), "Stop_Amoxicillin" }, otherwise = "Resolved" } },
  Stop_Amoxicillin = medication_end { "Amoxicillin", next = "Resolved" },
  Resolved       = condition_end { "Diagnosis", next = "Pain_Gone" },
  Pain_Gone      = symptom { "Ear Pain", severity = exactly(0), next = "Fever_Gone" },
  Fever_Gone     = symptom { "Fever", severity = exactly(0), next = "Quarter" },

  Terminal       = terminal {},
}
