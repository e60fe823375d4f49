-- omop.sql -- the SQLite schema of a vitae cohort written as OMOP CDM 5.4
-- (`vitae run --format omop`).
--
-- The tables vitae fills, plus the empty ones OHDSI tools expect next to
-- them, each with exactly the columns of the official CDM 5.4 SQLite DDL
-- (OHDSI/CommonDataModel, inst/ddl/5.4/sqlite): same names, same order,
-- same declared types, same NOT NULL columns, so that a vitae database can
-- be copied table by table into one built from the official DDL.  Of the
-- vocabulary tables only concept is here, holding (with --vocab) the
-- concepts the cohort uses; for concept_relationship, concept_ancestor and
-- the rest, load an Athena download next to the cohort.  schemas/omop.md
-- says how each table is filled and which concepts are used.
--
-- Differences from the official files: each table's primary key is
-- declared inline (`person_id integer NOT NULL PRIMARY KEY`, a rowid alias
-- in SQLite: the official DDL adds it with ALTER TABLE, which SQLite does
-- not support), and the foreign-key constraints are left out (tests check
-- the references instead).
--
-- Dates and times are stored as text, as in OHDSI's Eunomia data sets:
-- *_date 'YYYY-MM-DD', *_datetime 'YYYY-MM-DD HH:MM:SS' (UTC).  The
-- official DDL declares the datetimes REAL and the dates "date"; SQLite
-- keeps text that is not a number as text whatever the declared type.
--
-- The writer (out/omop.c) runs the part before the "@indexes" marker when it
-- opens a database and the part after it once every row is written.

-- One row per patient: person_id = patient index + 1 (patients.id in the
-- native schema).  Standardized clinical data.
CREATE TABLE person (
  person_id integer NOT NULL PRIMARY KEY,
  gender_concept_id integer NOT NULL,
  year_of_birth integer NOT NULL,
  month_of_birth integer,
  day_of_birth integer,
  birth_datetime REAL,
  race_concept_id integer NOT NULL,
  ethnicity_concept_id integer NOT NULL,
  location_id integer,
  provider_id integer,
  care_site_id integer,
  person_source_value TEXT,
  gender_source_value TEXT,
  gender_source_concept_id integer,
  race_source_value TEXT,
  race_source_concept_id integer,
  ethnicity_source_value TEXT,
  ethnicity_source_concept_id integer
);

-- One row per patient: the observation window of its record.
CREATE TABLE observation_period (
  observation_period_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  observation_period_start_date date NOT NULL,
  observation_period_end_date date NOT NULL,
  period_type_concept_id integer NOT NULL
);

-- One row per encounter; visit_occurrence_id = the native encounters.id.
CREATE TABLE visit_occurrence (
  visit_occurrence_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  visit_concept_id integer NOT NULL,
  visit_start_date date NOT NULL,
  visit_start_datetime REAL,
  visit_end_date date NOT NULL,
  visit_end_datetime REAL,
  visit_type_concept_id Integer NOT NULL,
  provider_id integer,
  care_site_id integer,
  visit_source_value TEXT,
  visit_source_concept_id integer,
  admitted_from_concept_id integer,
  admitted_from_source_value TEXT,
  discharged_to_concept_id integer,
  discharged_to_source_value TEXT,
  preceding_visit_occurrence_id integer
);

-- Empty: vitae's encounters have no sub-visits.
CREATE TABLE visit_detail (
  visit_detail_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  visit_detail_concept_id integer NOT NULL,
  visit_detail_start_date date NOT NULL,
  visit_detail_start_datetime REAL,
  visit_detail_end_date date NOT NULL,
  visit_detail_end_datetime REAL,
  visit_detail_type_concept_id integer NOT NULL,
  provider_id integer,
  care_site_id integer,
  visit_detail_source_value TEXT,
  visit_detail_source_concept_id Integer,
  admitted_from_concept_id Integer,
  admitted_from_source_value TEXT,
  discharged_to_source_value TEXT,
  discharged_to_concept_id integer,
  preceding_visit_detail_id integer,
  parent_visit_detail_id integer,
  visit_occurrence_id integer NOT NULL
);

CREATE TABLE condition_occurrence (
  condition_occurrence_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  condition_concept_id integer NOT NULL,
  condition_start_date date NOT NULL,
  condition_start_datetime REAL,
  condition_end_date date,
  condition_end_datetime REAL,
  condition_type_concept_id integer NOT NULL,
  condition_status_concept_id integer,
  stop_reason TEXT,
  provider_id integer,
  visit_occurrence_id integer,
  visit_detail_id integer,
  condition_source_value TEXT,
  condition_source_concept_id integer,
  condition_status_source_value TEXT
);

-- Medications (EHR prescription) and immunizations (EHR administration record).
CREATE TABLE drug_exposure (
  drug_exposure_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  drug_concept_id integer NOT NULL,
  drug_exposure_start_date date NOT NULL,
  drug_exposure_start_datetime REAL,
  drug_exposure_end_date date NOT NULL,
  drug_exposure_end_datetime REAL,
  verbatim_end_date date,
  drug_type_concept_id integer NOT NULL,
  stop_reason TEXT,
  refills integer,
  quantity REAL,
  days_supply integer,
  sig TEXT,
  route_concept_id integer,
  lot_number TEXT,
  provider_id integer,
  visit_occurrence_id integer,
  visit_detail_id integer,
  drug_source_value TEXT,
  drug_source_concept_id integer,
  route_source_value TEXT,
  dose_unit_source_value TEXT
);

CREATE TABLE procedure_occurrence (
  procedure_occurrence_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  procedure_concept_id integer NOT NULL,
  procedure_date date NOT NULL,
  procedure_datetime REAL,
  procedure_end_date date,
  procedure_end_datetime REAL,
  procedure_type_concept_id integer NOT NULL,
  modifier_concept_id integer,
  quantity integer,
  provider_id integer,
  visit_occurrence_id integer,
  visit_detail_id integer,
  procedure_source_value TEXT,
  procedure_source_concept_id integer,
  modifier_source_value TEXT
);

-- Devices and supplies.
CREATE TABLE device_exposure (
  device_exposure_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  device_concept_id integer NOT NULL,
  device_exposure_start_date date NOT NULL,
  device_exposure_start_datetime REAL,
  device_exposure_end_date date,
  device_exposure_end_datetime REAL,
  device_type_concept_id integer NOT NULL,
  unique_device_id TEXT,
  production_id TEXT,
  quantity integer,
  provider_id integer,
  visit_occurrence_id integer,
  visit_detail_id integer,
  device_source_value TEXT,
  device_source_concept_id integer,
  unit_concept_id integer,
  unit_source_value TEXT,
  unit_source_concept_id integer
);

CREATE TABLE measurement (
  measurement_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  measurement_concept_id integer NOT NULL,
  measurement_date date NOT NULL,
  measurement_datetime REAL,
  measurement_time TEXT,
  measurement_type_concept_id integer NOT NULL,
  operator_concept_id integer,
  value_as_number REAL,
  value_as_concept_id integer,
  unit_concept_id integer,
  range_low REAL,
  range_high REAL,
  provider_id integer,
  visit_occurrence_id integer,
  visit_detail_id integer,
  measurement_source_value TEXT,
  measurement_source_concept_id integer,
  unit_source_value TEXT,
  unit_source_concept_id integer,
  value_source_value TEXT,
  measurement_event_id integer,
  meas_event_field_concept_id integer
);

-- Observations without a measurement domain, allergies, and codes of the
-- Observation domain from any vitae table.
CREATE TABLE observation (
  observation_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  observation_concept_id integer NOT NULL,
  observation_date date NOT NULL,
  observation_datetime REAL,
  observation_type_concept_id integer NOT NULL,
  value_as_number REAL,
  value_as_string TEXT,
  value_as_concept_id Integer,
  qualifier_concept_id integer,
  unit_concept_id integer,
  provider_id integer,
  visit_occurrence_id integer,
  visit_detail_id integer,
  observation_source_value TEXT,
  observation_source_concept_id integer,
  unit_source_value TEXT,
  qualifier_source_value TEXT,
  value_source_value TEXT,
  observation_event_id integer,
  obs_event_field_concept_id integer
);

-- One row per dead patient; no primary key in the official DDL either.
CREATE TABLE death (
  person_id integer NOT NULL,
  death_date date NOT NULL,
  death_datetime REAL,
  death_type_concept_id integer,
  cause_concept_id integer,
  cause_source_value TEXT,
  cause_source_concept_id integer
);

-- Empty: vitae writes no clinical notes.
CREATE TABLE note (
  note_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  note_date date NOT NULL,
  note_datetime REAL,
  note_type_concept_id integer NOT NULL,
  note_class_concept_id integer NOT NULL,
  note_title TEXT,
  note_text TEXT NOT NULL,
  encoding_concept_id integer NOT NULL,
  language_concept_id integer NOT NULL,
  provider_id integer,
  visit_occurrence_id integer,
  visit_detail_id integer,
  note_source_value TEXT,
  note_event_id integer,
  note_event_field_concept_id integer
);

-- Empty: vitae models no specimens.
CREATE TABLE specimen (
  specimen_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  specimen_concept_id integer NOT NULL,
  specimen_type_concept_id integer NOT NULL,
  specimen_date date NOT NULL,
  specimen_datetime REAL,
  quantity REAL,
  unit_concept_id integer,
  anatomic_site_concept_id integer,
  disease_status_concept_id integer,
  specimen_source_id TEXT,
  specimen_source_value TEXT,
  unit_source_value TEXT,
  anatomic_site_source_value TEXT,
  disease_status_source_value TEXT
);

-- One row per patient with an address: location_id = person_id.
-- Standardized health system data.
CREATE TABLE location (
  location_id integer NOT NULL PRIMARY KEY,
  address_1 TEXT,
  address_2 TEXT,
  city TEXT,
  state TEXT,
  zip TEXT,
  county TEXT,
  location_source_value TEXT,
  country_concept_id integer,
  country_source_value TEXT,
  latitude REAL,
  longitude REAL
);

-- One default care site (id 1).
CREATE TABLE care_site (
  care_site_id integer NOT NULL PRIMARY KEY,
  care_site_name TEXT,
  place_of_service_concept_id integer,
  location_id integer,
  care_site_source_value TEXT,
  place_of_service_source_value TEXT
);

-- One default provider (id 1).
CREATE TABLE provider (
  provider_id integer NOT NULL PRIMARY KEY,
  provider_name TEXT,
  npi TEXT,
  dea TEXT,
  specialty_concept_id integer,
  care_site_id integer,
  year_of_birth integer,
  gender_concept_id integer,
  provider_source_value TEXT,
  specialty_source_value TEXT,
  specialty_source_concept_id integer,
  gender_source_value TEXT,
  gender_source_concept_id integer
);

-- One row describing the run.  Standardized metadata.
CREATE TABLE cdm_source (
  cdm_source_name TEXT NOT NULL,
  cdm_source_abbreviation TEXT NOT NULL,
  cdm_holder TEXT NOT NULL,
  source_description TEXT,
  source_documentation_reference TEXT,
  cdm_etl_reference TEXT,
  source_release_date date NOT NULL,
  cdm_release_date date NOT NULL,
  cdm_version TEXT,
  cdm_version_concept_id integer NOT NULL,
  vocabulary_version TEXT NOT NULL
);

-- The run's provenance (vitae version, seed, population, modules, ...).
CREATE TABLE metadata (
  metadata_id integer NOT NULL PRIMARY KEY,
  metadata_concept_id integer NOT NULL,
  metadata_type_concept_id integer NOT NULL,
  name TEXT NOT NULL,
  value_as_string TEXT,
  value_as_concept_id integer,
  value_as_number REAL,
  metadata_date date,
  metadata_datetime REAL
);

-- Built per patient at write time (schemas/omop.md, "Eras").
-- Standardized derived elements.
CREATE TABLE condition_era (
  condition_era_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  condition_concept_id integer NOT NULL,
  condition_era_start_date date NOT NULL,
  condition_era_end_date date NOT NULL,
  condition_occurrence_count integer
);

CREATE TABLE drug_era (
  drug_era_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  drug_concept_id integer NOT NULL,
  drug_era_start_date date NOT NULL,
  drug_era_end_date date NOT NULL,
  drug_exposure_count integer,
  gap_days integer
);

-- Empty: vitae does not model doses.
CREATE TABLE dose_era (
  dose_era_id integer NOT NULL PRIMARY KEY,
  person_id integer NOT NULL,
  drug_concept_id integer NOT NULL,
  unit_concept_id integer NOT NULL,
  dose_value REAL NOT NULL,
  dose_era_start_date date NOT NULL,
  dose_era_end_date date NOT NULL
);

-- Standardized vocabularies.  With a vocabulary (--vocab), the CONCEPT.csv
-- row of every concept id the other tables hold; empty without one.
CREATE TABLE concept (
  concept_id integer NOT NULL PRIMARY KEY,
  concept_name TEXT NOT NULL,
  domain_id TEXT NOT NULL,
  vocabulary_id TEXT NOT NULL,
  concept_class_id TEXT NOT NULL,
  standard_concept TEXT,
  concept_code TEXT NOT NULL,
  valid_start_date date NOT NULL,
  valid_end_date date NOT NULL,
  invalid_reason TEXT
);
-- @indexes
-- The official CDM 5.4 indexes of these tables, built once all rows are
-- written, less those on primary keys (a rowid alias is its own index) and
-- idx_measurement_visit_id_1: measurement is most of the rows, and that index
-- alone took a tenth of a 3,000-patient run (0.22 s of 2.2 s) for a lookup
-- (a visit's measurements) a scan answers in a fraction of a second.  Add it
-- when you need it:
--   CREATE INDEX idx_measurement_visit_id_1 ON measurement (visit_occurrence_id ASC);
CREATE INDEX idx_gender                     ON person (gender_concept_id ASC);
CREATE INDEX idx_observation_period_id_1    ON observation_period (person_id ASC);
CREATE INDEX idx_visit_person_id_1          ON visit_occurrence (person_id ASC);
CREATE INDEX idx_visit_concept_id_1         ON visit_occurrence (visit_concept_id ASC);
CREATE INDEX idx_visit_det_person_id_1      ON visit_detail (person_id ASC);
CREATE INDEX idx_visit_det_concept_id_1     ON visit_detail (visit_detail_concept_id ASC);
CREATE INDEX idx_visit_det_occ_id           ON visit_detail (visit_occurrence_id ASC);
CREATE INDEX idx_condition_person_id_1      ON condition_occurrence (person_id ASC);
CREATE INDEX idx_condition_concept_id_1     ON condition_occurrence (condition_concept_id ASC);
CREATE INDEX idx_condition_visit_id_1       ON condition_occurrence (visit_occurrence_id ASC);
CREATE INDEX idx_drug_person_id_1           ON drug_exposure (person_id ASC);
CREATE INDEX idx_drug_concept_id_1          ON drug_exposure (drug_concept_id ASC);
CREATE INDEX idx_drug_visit_id_1            ON drug_exposure (visit_occurrence_id ASC);
CREATE INDEX idx_procedure_person_id_1      ON procedure_occurrence (person_id ASC);
CREATE INDEX idx_procedure_concept_id_1     ON procedure_occurrence (procedure_concept_id ASC);
CREATE INDEX idx_procedure_visit_id_1       ON procedure_occurrence (visit_occurrence_id ASC);
CREATE INDEX idx_device_person_id_1         ON device_exposure (person_id ASC);
CREATE INDEX idx_device_concept_id_1        ON device_exposure (device_concept_id ASC);
CREATE INDEX idx_device_visit_id_1          ON device_exposure (visit_occurrence_id ASC);
CREATE INDEX idx_measurement_person_id_1    ON measurement (person_id ASC);
CREATE INDEX idx_measurement_concept_id_1   ON measurement (measurement_concept_id ASC);
CREATE INDEX idx_observation_person_id_1    ON observation (person_id ASC);
CREATE INDEX idx_observation_concept_id_1   ON observation (observation_concept_id ASC);
CREATE INDEX idx_observation_visit_id_1     ON observation (visit_occurrence_id ASC);
CREATE INDEX idx_death_person_id_1          ON death (person_id ASC);
CREATE INDEX idx_note_person_id_1           ON note (person_id ASC);
CREATE INDEX idx_note_concept_id_1          ON note (note_type_concept_id ASC);
CREATE INDEX idx_note_visit_id_1            ON note (visit_occurrence_id ASC);
CREATE INDEX idx_specimen_person_id_1       ON specimen (person_id ASC);
CREATE INDEX idx_specimen_concept_id_1      ON specimen (specimen_concept_id ASC);
CREATE INDEX idx_drug_era_person_id_1       ON drug_era (person_id ASC);
CREATE INDEX idx_drug_era_concept_id_1      ON drug_era (drug_concept_id ASC);
CREATE INDEX idx_dose_era_person_id_1       ON dose_era (person_id ASC);
CREATE INDEX idx_dose_era_concept_id_1      ON dose_era (drug_concept_id ASC);
CREATE INDEX idx_condition_era_person_id_1  ON condition_era (person_id ASC);
CREATE INDEX idx_condition_era_concept_id_1 ON condition_era (condition_concept_id ASC);
CREATE INDEX idx_metadata_concept_id_1      ON metadata (metadata_concept_id ASC);
-- (idx_concept_vocabluary_id: the official name, misspelling included)
CREATE INDEX idx_concept_code               ON concept (concept_code ASC);
CREATE INDEX idx_concept_vocabluary_id      ON concept (vocabulary_id ASC);
CREATE INDEX idx_concept_domain_id          ON concept (domain_id ASC);
CREATE INDEX idx_concept_class_id           ON concept (concept_class_id ASC);
