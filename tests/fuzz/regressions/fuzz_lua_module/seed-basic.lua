-- A small plain-GMF module used by the engine tests.
return {
  name = "Basic",
  states = {
    Initial = { type = "Initial", direct_transition = "Wait" },
    Wait = { type = "Delay", exact = { quantity = 2, unit = "years" }, direct_transition = "Check" },
    Check = { type = "Simple", conditional_transition = {
      { condition = { condition_type = "Gender", gender = "F" }, transition = "Visit" },
      { transition = "Visit" } } },
    Visit = { type = "Encounter", encounter_class = "ambulatory",
      codes = { { system = "SNOMED-CT", code = "185345009", display = "Encounter for symptom" } },
      direct_transition = "Onset" },
    Onset = { type = "ConditionOnset", codes = { { system = "SNOMED-CT", code = "65363002", display = "Otitis media" } },
      assign_to_attribute = "om", direct_transition = "Med" },
    Med = { type = "MedicationOrder", codes = { { system = "RxNorm", code = "308182", display = "Amoxicillin 250 MG Oral Capsule" } },
      reason = "Onset", direct_transition = "Obs" },
    Obs = { type = "Observation", codes = { { system = "LOINC", code = "8310-5", display = "Body temperature" } },
      unit = "Cel", range = { low = 37.5, high = 39.5 }, category = "vital-signs", direct_transition = "End" },
    End = { type = "EncounterEnd", direct_transition = "Heal" },
    Heal = { type = "Delay", range = { low = 7, high = 14, unit = "days" }, direct_transition = "Cured" },
    Cured = { type = "ConditionEnd", referenced_by_attribute = "om", direct_transition = "StopMed" },
    StopMed = { type = "MedicationEnd", medication_order = "Med", direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
