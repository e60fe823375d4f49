-- native.sql -- the SQLite schema of a vitae cohort (the "native" format).
--
-- Modelled on the tables of Synthea's CSV export, with the same table and
-- column names, so that queries written for Synthea data run unchanged
-- (SQLite matches names case-insensitively: "PATIENT" and patient are the
-- same column).  Differences from Synthea, documented in schemas/native.md:
-- ids are integers, not UUIDs; every clinical row carries its provenance
-- (module, state); cost and claim columns are not written; patients have
-- ses and education; run_info and privacy_ledger describe the run.
--
-- Times are ISO 8601 text in UTC: "YYYY-MM-DD" for birthdate and deathdate,
-- "YYYY-MM-DDTHH:MM:SSZ" for event times.  A missing value is NULL.
--
-- The writer (out/writer.c) runs the part before the "@indexes" marker when it
-- opens a database and the part after it once every row is written, because
-- building an index once is much faster than maintaining it row by row.

CREATE TABLE patients (
  id          INTEGER PRIMARY KEY,  -- patient index in the run + 1
  birthdate   TEXT NOT NULL,        -- YYYY-MM-DD
  deathdate   TEXT,                 -- YYYY-MM-DD, NULL if alive at the end of the run
  ssn         TEXT,
  drivers     TEXT,
  passport    TEXT,
  prefix      TEXT,
  first       TEXT,
  last        TEXT,
  suffix      TEXT,
  maiden      TEXT,
  marital     TEXT,                 -- M, S, D, W or NULL
  race        TEXT,
  ethnicity   TEXT,
  gender      TEXT,                 -- M or F
  birthplace  TEXT,
  address     TEXT,
  city        TEXT,
  state       TEXT,
  county      TEXT,
  zip         TEXT,
  lat         REAL,
  lon         REAL,
  income      REAL,                 -- yearly household income, US dollars
  ses         TEXT,                 -- socioeconomic status: Low, Middle, High
  education   TEXT                  -- less_than_hs, hs_degree, some_college, bs_degree
);

-- Each patient's observation window: the record holds what happened in it
-- (and what was still active when it opened, as first recorded at its
-- start).  By default the whole life, birth to death or the reference date;
-- `vitae run --history-years N` keeps the last N years, `--observation
-- random` draws an enrolment window per patient (sim/window.c), placed
-- without the death date and stopped at death: a patient who died before
-- it opened has no row here.
CREATE TABLE observation_periods (
  patient     INTEGER NOT NULL,     -- patients.id
  start       TEXT NOT NULL,
  stop        TEXT NOT NULL,        -- death, the reference date, or the window's end
  whole_life  INTEGER NOT NULL      -- 1 if the window is the whole life
);

CREATE TABLE organizations (
  id          INTEGER PRIMARY KEY,
  name        TEXT,
  address     TEXT,
  city        TEXT,
  state       TEXT,
  zip         TEXT,
  lat         REAL,
  lon         REAL,
  phone       TEXT,
  revenue     REAL,
  utilization INTEGER               -- number of encounters
);

CREATE TABLE providers (
  id          INTEGER PRIMARY KEY,
  organization INTEGER,             -- organizations.id
  name        TEXT,
  gender      TEXT,
  speciality  TEXT,
  address     TEXT,
  city        TEXT,
  state       TEXT,
  zip         TEXT,
  lat         REAL,
  lon         REAL,
  encounters  INTEGER,              -- number of encounters
  procedures  INTEGER               -- number of procedures
);

CREATE TABLE payers (
  id          INTEGER PRIMARY KEY,
  name        TEXT,
  ownership   TEXT,
  address     TEXT,
  city        TEXT,
  state_headquartered TEXT,
  zip         TEXT,
  phone       TEXT,
  amount_covered REAL,
  amount_uncovered REAL,
  revenue     REAL,
  covered_encounters INTEGER,
  uncovered_encounters INTEGER,
  covered_medications INTEGER,
  uncovered_medications INTEGER,
  covered_procedures INTEGER,
  uncovered_procedures INTEGER,
  covered_immunizations INTEGER,
  uncovered_immunizations INTEGER,
  unique_customers INTEGER,
  qols_avg    REAL,
  member_months INTEGER
);

CREATE TABLE encounters (
  id          INTEGER PRIMARY KEY,  -- global encounter number, from 1, in write order
  start       TEXT NOT NULL,
  stop        TEXT,
  patient     INTEGER NOT NULL,     -- patients.id
  organization INTEGER,             -- organizations.id
  provider    INTEGER,              -- providers.id
  payer       INTEGER,              -- payers.id
  encounterclass TEXT,              -- wellness, ambulatory, outpatient, inpatient, emergency, urgentcare, ...
  code        TEXT,
  description TEXT,
  reasoncode  TEXT,
  reasondescription TEXT,
  module      TEXT,                 -- provenance: module that recorded the row
  state       TEXT                  -- provenance: state of that module
);

CREATE TABLE conditions (
  start       TEXT NOT NULL,        -- onset
  stop        TEXT,                 -- NULL while the condition is active
  patient     INTEGER NOT NULL,
  encounter   INTEGER,              -- encounters.id, NULL if recorded outside an encounter
  system      TEXT,
  code        TEXT,
  description TEXT,
  module      TEXT,
  state       TEXT
);

CREATE TABLE medications (
  start       TEXT NOT NULL,
  stop        TEXT,                 -- NULL while the prescription is active
  patient     INTEGER NOT NULL,
  payer       INTEGER,              -- payers.id
  encounter   INTEGER,
  code        TEXT,                 -- RxNorm
  description TEXT,
  dispenses   INTEGER,
  reasoncode  TEXT,
  reasondescription TEXT,
  module      TEXT,
  state       TEXT
);

CREATE TABLE observations (
  date        TEXT NOT NULL,
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  category    TEXT,                 -- vital-signs, laboratory, survey, ...
  code        TEXT,                 -- LOINC mostly
  description TEXT,
  value,                            -- no declared type: a REAL when type = 'numeric', TEXT when type = 'text'
  units       TEXT,
  type        TEXT,                 -- numeric or text
  module      TEXT,
  state       TEXT
);

CREATE TABLE procedures (
  start       TEXT NOT NULL,
  stop        TEXT,
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  system      TEXT,
  code        TEXT,
  description TEXT,
  reasoncode  TEXT,
  reasondescription TEXT,
  module      TEXT,
  state       TEXT
);

CREATE TABLE immunizations (
  date        TEXT NOT NULL,
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  code        TEXT,                 -- CVX
  description TEXT,
  module      TEXT,
  state       TEXT
);

CREATE TABLE careplans (
  id          INTEGER PRIMARY KEY,  -- global care plan number, from 1, in write order
  start       TEXT NOT NULL,
  stop        TEXT,                 -- NULL while the care plan is active
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  code        TEXT,
  description TEXT,
  reasoncode  TEXT,
  reasondescription TEXT,
  module      TEXT,
  state       TEXT
);

CREATE TABLE allergies (
  start       TEXT NOT NULL,
  stop        TEXT,                 -- NULL while the allergy is active
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  code        TEXT,
  system      TEXT,
  description TEXT,
  type        TEXT,                 -- allergy or intolerance
  category    TEXT,                 -- food, medication, environment, ...
  module      TEXT,
  state       TEXT
);

CREATE TABLE devices (
  start       TEXT NOT NULL,
  stop        TEXT,
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  code        TEXT,
  description TEXT,
  udi         TEXT,                 -- unique device identifier
  module      TEXT,
  state       TEXT
);

CREATE TABLE imaging_studies (
  id          INTEGER NOT NULL,     -- global study number, repeated on each instance of the study
  date        TEXT NOT NULL,
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  series_uid  TEXT,
  bodysite_code TEXT,
  bodysite_description TEXT,
  modality_code TEXT,               -- DICOM modality, e.g. DX
  modality_description TEXT,
  instance_uid TEXT,
  sop_code    TEXT,                 -- DICOM SOP class UID
  sop_description TEXT,
  procedure_code TEXT,
  module      TEXT,
  state       TEXT
);

CREATE TABLE supplies (
  date        TEXT NOT NULL,
  patient     INTEGER NOT NULL,
  encounter   INTEGER,
  code        TEXT,
  description TEXT,
  quantity    INTEGER,
  module      TEXT,
  state       TEXT
);

-- What the modules did, per state: one row per state of every loaded module
-- (submodules too), summed over the cohort.  A state no patient entered has
-- patients = 0: `vitae compat` reports the share of states visited from it.
CREATE TABLE module_states (
  module      TEXT NOT NULL,        -- module name, as in the clinical tables' module column
  path        TEXT NOT NULL,        -- module path, as CallSubmodule names it
  state       TEXT NOT NULL,
  type        TEXT NOT NULL,        -- GMF state type
  patients    INTEGER NOT NULL,     -- patients who entered the state at least once
  entries     INTEGER NOT NULL      -- times patients entered it, all told
);

-- The transitions the modules took: one row per state of every loaded
-- module and each state its transition can lead to (a target named twice,
-- once), summed over the cohort; 0 for a branch never taken.  `vitae graph
-- --cohort` shows each branch's observed share from it.  The transitions
-- out of a state are its entries less the patients still in it at the end;
-- the transitions into a state are its entries, but for Initial states,
-- also entered at birth or by a CallSubmodule.
CREATE TABLE module_transitions (
  module      TEXT NOT NULL,        -- module name, as in module_states
  path        TEXT NOT NULL,        -- module path, as in module_states
  from_state  TEXT NOT NULL,
  to_state    TEXT NOT NULL,
  transitions INTEGER NOT NULL      -- times patients went from from_state to to_state
);

-- Every state each patient entered, in order: written only by `vitae run
-- --trace` (empty otherwise).  Times as in the clinical tables.
CREATE TABLE state_trace (
  patient     INTEGER NOT NULL,
  module      TEXT NOT NULL,        -- module name
  state       TEXT NOT NULL,
  entered     TEXT NOT NULL,
  exited      TEXT                  -- NULL if the patient was still in it at the end
);

-- Provenance of the cohort: vitae version, seed, population, modules and
-- their hashes, params file hash, configuration, start and end time.
CREATE TABLE run_info (
  key         TEXT PRIMARY KEY,
  value       TEXT
);

-- Differential privacy: one row per measurement behind the params file the
-- run used (empty when no params file was used).
CREATE TABLE privacy_ledger (
  measurement TEXT NOT NULL,        -- what was measured, e.g. a statistic's name
  mechanism   TEXT NOT NULL,        -- e.g. discrete_gaussian
  sensitivity REAL,                 -- its L2 sensitivity (one patient added or removed)
  sigma       REAL,                 -- standard deviation of its noise
  rho         REAL,                 -- zCDP cost (rho) of the measurement
  epsilon     REAL,                 -- (epsilon, delta) the cost converts to
  delta       REAL,
  params_file TEXT                  -- params file the measurement went into
);

-- @indexes
-- Built once all rows are written.  Every table has an index on patient;
-- the smaller clinical tables also on code.  Indexes on encounter, and on
-- observations.code / encounters.code, are left out: on a 10,000-patient
-- cohort they double the index build (3.6 s instead of 1.6 s) while a full
-- scan of observations by code takes about 0.3 s.  Add them when you need
-- them, e.g. CREATE INDEX observations_code ON observations (code);
CREATE INDEX encounters_patient      ON encounters (patient);
CREATE INDEX conditions_patient      ON conditions (patient);
CREATE INDEX conditions_code         ON conditions (code);
CREATE INDEX medications_patient     ON medications (patient);
CREATE INDEX medications_code        ON medications (code);
CREATE INDEX observations_patient    ON observations (patient);
CREATE INDEX procedures_patient      ON procedures (patient);
CREATE INDEX procedures_code         ON procedures (code);
CREATE INDEX immunizations_patient   ON immunizations (patient);
CREATE INDEX immunizations_code      ON immunizations (code);
CREATE INDEX careplans_patient       ON careplans (patient);
CREATE INDEX careplans_code          ON careplans (code);
CREATE INDEX allergies_patient       ON allergies (patient);
CREATE INDEX allergies_code          ON allergies (code);
CREATE INDEX devices_patient         ON devices (patient);
CREATE INDEX imaging_studies_patient   ON imaging_studies (patient);
CREATE INDEX supplies_patient        ON supplies (patient);
CREATE INDEX state_trace_patient     ON state_trace (patient);
CREATE INDEX observation_periods_patient ON observation_periods (patient);
