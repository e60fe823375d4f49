-- Major depressive disorder: episodes from adolescence on, diagnosis with the
-- PHQ-9 for those who seek care, psychotherapy and antidepressants, remission,
-- recurrence, and suicide.
--
-- Sources
--  [1] Hasin DS et al. Epidemiology of adult DSM-5 major depressive disorder
--      and its specifiers in the United States. JAMA Psychiatry
--      2018;75:336-346: 12-month prevalence 10.4%, lifetime 20.6%; higher in
--      women (odds about 2 to 1) and in young adults.
--  [2] SAMHSA. Key substance use and mental health indicators in the United
--      States: results from the 2021 National Survey on Drug Use and Health:
--      8.3% of adults and 20.1% of adolescents had a major depressive episode
--      in the past year; 61% of adults with one received treatment.
--  [3] American Psychiatric Association. Practice guideline for the treatment
--      of patients with major depressive disorder, 3rd edition, 2010:
--      psychotherapy and/or antidepressant; continue the drug 4-9 months
--      after remission; the risk of recurrence is high (at least 50% after a
--      first episode).
--  [4] CDC WISQARS / NCHS: about 48,000 suicide deaths in the US in 2021 (14
--      per 100,000); most people who die by suicide had a mental disorder,
--      most often depression.
--
-- Episode onset by age and sex is chosen so that 12-month prevalence follows
-- [1]-[2]; untreated episodes resolve without a record.

local DEPRESSION   = snomed(370143000, "Major depressive disorder (disorder)")
local PROBLEM      = snomed(185347001, "Encounter for problem (procedure)")
local FOLLOW_UP    = snomed(390906007, "Follow-up encounter (procedure)")
local MDD_PLAN     = snomed(737434004, "Major depressive disorder clinical management plan (record artifact)")
local CBT          = snomed(228557008, "Cognitive and behavioral therapy (regime/therapy)")
local SUICIDE      = snomed(44301001, "Suicide (event)")
local PHQ9         = loinc("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]")
local SERTRALINE   = rxnorm(312938, "sertraline 100 MG Oral Tablet")
local FLUOXETINE   = rxnorm(310385, "fluoxetine 20 MG Oral Capsule")

local women = by_age {                 -- yearly onset of a first episode
  { 12, param("depression.onset.female.12_25", 0.015) },
  { 26, param("depression.onset.female.26_49", 0.008) },
  { 50, param("depression.onset.female.50_64", 0.006) },
  { 65, param("depression.onset.female.65_plus", 0.004) },
}
local men = by_age {
  { 12, param("depression.onset.male.12_25", 0.008) },
  { 26, param("depression.onset.male.26_49", 0.005) },
  { 50, param("depression.onset.male.50_64", 0.004) },
  { 65, param("depression.onset.male.65_plus", 0.003) },
}
local function first_episode(p) return p.gender == "F" and women(p) or men(p) end

local RECURRENCE    = param("depression.recurrence.yearly", 0.08)   -- [3]
local SEEKS_CARE    = param("depression.seeks_care", 0.6)           -- [2]
local ANTIDEPRESSANT = param("depression.antidepressant", 0.7)
local SUICIDE_RISK  = param("depression.suicide.per_episode", 0.001) -- [4]

return module "Depression" {
  Initial          = delay { years(12), next = "Yearly_Check" },
  Yearly_Check     = simple { chance(first_episode, "Episode", "Next_Year") },
  Next_Year        = delay { years(1), next = "Yearly_Check" },

  -- an episode: low mood and loss of interest; some seek care [2]
  Episode          = symptom { "Depressed Mood", severity = range(50, 100), next = "Care_Decision" },
  Care_Decision    = simple { pick { { SUICIDE_RISK, "Suicide" }, { SEEKS_CARE, "Visit" }, otherwise = "Untreated" } },
  Untreated        = delay { months(3, 12), next = "Untreated_Recovery" },
  Untreated_Recovery = symptom { "Depressed Mood", severity = range(0, 20), next = "Remission_Year" },

  -- diagnosis with the PHQ-9 (10 or more) and treatment [3]
  Visit            = encounter { "ambulatory", PROBLEM, next = "PHQ9" },
  PHQ9             = observation { PHQ9, range(10, 27), unit = units.score, category = "survey", next = "Diagnosis" },
  Diagnosis        = condition_onset { DEPRESSION, next = "Plan" },
  Plan             = careplan_start { MDD_PLAN, activities = { CBT }, reason = "Diagnosis", next = "Drug_Decision" },
  Drug_Decision    = simple { chance(ANTIDEPRESSANT, "Drug_Choice", "Visit_End") },
  Drug_Choice      = simple { pick { { 0.6, "Sertraline" }, { 0.4, "Fluoxetine" } } },
  Sertraline       = medication_order { SERTRALINE, reason = "Diagnosis", next = "Visit_End" },
  Fluoxetine       = medication_order { FLUOXETINE, reason = "Diagnosis", next = "Visit_End" },
  Visit_End        = encounter_end { next = "Treatment" },

  -- most treated episodes remit within a year
  Treatment        = delay { months(2, 10), next = "Review" },
  Review           = encounter { "ambulatory", FOLLOW_UP, reason = "Diagnosis", next = "Review_PHQ9" },
  Review_PHQ9      = observation { PHQ9, range(0, 9), unit = units.score, category = "survey", next = "Remission" },
  Remission        = condition_end { "Diagnosis", next = "Plan_End" },
  Plan_End         = careplan_end { "Plan", next = "Review_End" },
  Review_End       = encounter_end { next = "Continuation" },
  Continuation     = delay { months(4, 9), next = "Stop_Drug" },   -- [3]
  Stop_Drug        = simple { when {
                       { has_medication(SERTRALINE), "Stop_Sertraline" },
                       { has_medication(FLUOXETINE), "Stop_Fluoxetine" },
                       otherwise = "Recovered" } },
  Stop_Sertraline  = medication_end { SERTRALINE, next = "Recovered" },
  Stop_Fluoxetine  = medication_end { FLUOXETINE, next = "Recovered" },
  Recovered        = symptom { "Depressed Mood", severity = range(0, 20), next = "Remission_Year" },

  -- after an episode the risk of another is higher [3]
  Remission_Year   = delay { years(1), next = "Recurrence_Check" },
  Recurrence_Check = simple { chance(RECURRENCE, "Episode", "Remission_Year") },

  Suicide          = death { cause = SUICIDE, next = "Terminal" },
  Terminal         = terminal {},
}
