-- Gout: the first flare by age and sex, diagnosis at a clinic visit,
-- treatment of each flare, and allopurinol with a follow-up visit for
-- some of the patients whose gout comes back.
--
-- Sources
--  [1] Chen-Xu M, Yokose C, Rai SK, Pillinger MH, Choi HK. Contemporary
--      prevalence of gout and hyperuricemia in the United States and decadal
--      trends: NHANES 2007-2016. Arthritis Rheumatol 2019;71:991-999.
--      Adults with gout in 2015-2016: 5.2% of men, 2.7% of women; 0.7% at
--      20-39, 3.4% at 40-59, 8.8% at 60-79, 8.7% at 80 and over; 33% of
--      patients with gout take urate-lowering therapy (2007-2014), 35.5% of
--      men and 15.5% of women (2013-2014).
--  [2] Elfishawi MM, Zleik N, Kvrgic Z, et al. Changes in the presentation of
--      incident gout and the risk of subsequent flares: a population-based
--      study over 20 years. J Rheumatol 2020;47:613-618.
--      Mean age at onset 59.7 years (SD 17.3); 73% of patients male.
--  [3] Yu TF, Gutman AB. Efficacy of colchicine prophylaxis in gout.
--      Ann Intern Med 1961;55:179-192. Without urate-lowering drugs a
--      second flare follows the first in 62% of patients within a year.
--  [4] FitzGerald JD, Dalbeth N, Mikuls T, et al. 2020 American College of
--      Rheumatology guideline for the management of gout. Arthritis Care
--      Res 2020;72:744-760. A flare is treated with colchicine, an NSAID or
--      a glucocorticoid; allopurinol is the first urate-lowering drug,
--      started at 100 mg a day or less and titrated on serum urate.
--  [5] Bongartz T, Zleik N, Michet C, et al. The risk of future attacks in
--      patients with incident gout: a population-based study. Ann Rheum Dis
--      2013;72(Suppl 3):A764 (SAT0539). Serum urate at onset: mean 8.1 mg/dL
--      (SD 2.2).
--
-- The yearly risks are not read from a source: they were chosen so that the
-- share of adults ever diagnosed, by age band and sex, comes close to [1].

local GOUT          = snomed(90560007, "Gout (disorder)")
local PROBLEM_VISIT = snomed(185347001, "Encounter for problem (procedure)")
local FOLLOW_UP     = snomed(390906007, "Follow-up encounter (procedure)")
local URATE         = loinc("3084-1", "Urate [Mass/volume] in Serum or Plasma")
local COLCHICINE    = rxnorm(197541, "colchicine 0.6 MG Oral Tablet")
local NAPROXEN      = rxnorm(198014, "naproxen 500 MG Oral Tablet")
local ALLOPURINOL   = rxnorm(197319, "allopurinol 100 MG Oral Tablet")

-- Yearly risk of a first flare, by age (tuned to [1]).
local FIRST_FLARE = by_age {
  {20, param("gout.first_flare.age_20_39", 0.0007)},
  {40, param("gout.first_flare.age_40_59", 0.0025)},
  {60, param("gout.first_flare.age_60_79", 0.0035)},
  {80, param("gout.first_flare.age_80_up", 0.0005)},
}
-- Men have gout about twice as often as women [1].
local SEX_FACTOR = { M = param("gout.first_flare.male_factor", 1.40),
                     F = param("gout.first_flare.female_factor", 0.65) }

local function yearly_risk(p)
  return FIRST_FLARE(p) * SEX_FACTOR[p.gender]
end

local RECUR_1Y   = param("gout.recurrence_1y", 0.62)                    -- [3]
local COLCHICINE_SHARE = param("gout.flare.colchicine_share", 0.5)     -- estimate: [4] names no preference
local ULT_SHARE  = { M = param("gout.allopurinol.male", 0.355),         -- [1]
                     F = param("gout.allopurinol.female", 0.155) }      -- [1]

return module "Gout" {
  -- Who gets gout, and when
  Initial      = delay { years(20), next = "Yearly_Check" },
  Yearly_Check = simple { chance(yearly_risk, "Flare", "Next_Year") },
  Next_Year    = delay { years(1), next = "Yearly_Check" },

  -- A flare brings the patient to the clinic
  Flare        = symptom { "Joint Pain", severity = range(60, 100), next = "Count_Flare" },
  Count_Flare  = counter { "gout_flares", next = "Flare_Visit" },
  Flare_Visit  = encounter { "ambulatory", PROBLEM_VISIT, next = "Known_Gout" },
  Known_Gout   = simple { when { {prior_state("Diagnosis"), "Allopurinol_Check"}, otherwise = "Diagnosis" } },

  -- The first visit: diagnosis and serum urate
  Diagnosis    = condition_onset { GOUT, next = "Urate_Test" },
  Urate_Test   = observation { URATE, gaussian(8.1, 2.2, units.mg_dL, { min = 3 }),      -- [5]
                               category = "laboratory", next = "Flare_Drug" },

  -- A later flare: some patients start allopurinol [1] [4]
  Allopurinol_Check = simple { when {
    {has_medication(ALLOPURINOL), "Flare_Drug"},
    otherwise = chance(function(p) return ULT_SHARE[p.gender] end, "Allopurinol", "Flare_Drug"),
  } },
  Allopurinol  = medication_order { ALLOPURINOL, reason = "Diagnosis", chronic = true, next = "Flare_Drug" },

  -- Every flare: colchicine or naproxen for a week or so [4]
  Flare_Drug   = simple { chance(COLCHICINE_SHARE, "Colchicine", "Naproxen") },
  Colchicine   = medication_order { COLCHICINE, reason = "Diagnosis", as = "flare_drug", next = "Visit_End" },
  Naproxen     = medication_order { NAPROXEN, reason = "Diagnosis", as = "flare_drug", next = "Visit_End" },
  Visit_End    = encounter_end { next = "Course" },
  Course       = delay { days(7, 10), next = "Course_End" },
  Course_End   = medication_end { attribute = "flare_drug", next = "After_Flare" },

  -- After the flare: a follow-up on allopurinol, or perhaps another flare [3]
  After_Flare  = simple { when {
    {prior_state("Allopurinol", weeks(2)), "Follow_Up_Wait"},
    {has_medication(ALLOPURINOL), "Terminal"},
    otherwise = chance(RECUR_1Y, "Flare_Wait", "Terminal"),
  } },
  Flare_Wait   = delay { months(1, 12), next = "Flare" },
  Follow_Up_Wait  = delay { weeks(4, 8), next = "Follow_Up_Visit" },
  Follow_Up_Visit = encounter { "ambulatory", FOLLOW_UP, next = "Follow_Up_Urate" },
  Follow_Up_Urate = observation { URATE, gaussian(5.8, 1.2, units.mg_dL, { min = 3 }),  -- estimate
                                  category = "laboratory", next = "Follow_Up_End" },
  Follow_Up_End   = encounter_end { next = "Terminal" },

  Terminal     = terminal {},
}
