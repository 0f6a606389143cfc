-- specialist: base (parameters: diagnosis, year)
SELECT
  *
FROM (
  SELECT
    "t10"."registration_id",
    "t10"."patient_id",
    "t10"."unit_id",
    "t10"."category",
    "t10"."referral_date",
    "t10"."first_visit_date",
    "t10"."rehab_start_date",
    "t10"."rehab_end_date",
    "t10"."discontinued",
    "t10"."discontinuation_reason",
    "t10"."main_diagnosis",
    "t10"."secondary_diagnoses",
    "t10"."education",
    "t10"."work_measures",
    "t10"."programme",
    "t10"."signed_off",
    "t10"."care_level",
    "t10"."region_code",
    "t10"."sex",
    "t10"."birth_year",
    "t10"."year",
    "t10"."age",
    "t10"."is_discontinued",
    "t10"."reason"
  FROM (
    SELECT
      "t9"."registration_id",
      "t9"."patient_id",
      "t9"."unit_id",
      "t9"."category",
      "t9"."referral_date",
      "t9"."first_visit_date",
      "t9"."rehab_start_date",
      "t9"."rehab_end_date",
      "t9"."discontinued",
      "t9"."discontinuation_reason",
      "t9"."main_diagnosis",
      "t9"."secondary_diagnoses",
      "t9"."education",
      "t9"."work_measures",
      "t9"."programme",
      "t9"."signed_off",
      "t9"."care_level",
      "t9"."region_code",
      "t9"."patient_key",
      "t9"."sex",
      "t9"."birth_year",
      CASE
        WHEN "t9"."category" = 'rehab'
        THEN CAST(STRFTIME('%Y', "t9"."rehab_end_date") AS INTEGER)
        ELSE CAST(STRFTIME('%Y', "t9"."first_visit_date") AS INTEGER)
      END AS "year",
      CAST(STRFTIME('%Y', "t9"."first_visit_date") AS INTEGER) - "t9"."birth_year" AS "age",
      COALESCE("t9"."discontinued", FALSE) AS "is_discontinued",
      CASE
        WHEN COALESCE("t9"."discontinued", FALSE)
        THEN COALESCE("t9"."discontinuation_reason", 'other')
        ELSE CAST(NULL AS TEXT)
      END AS "reason"
    FROM (
      SELECT
        "t8"."registration_id",
        "t8"."patient_id",
        "t8"."unit_id",
        "t8"."category",
        "t8"."referral_date",
        "t8"."first_visit_date",
        "t8"."rehab_start_date",
        "t8"."rehab_end_date",
        "t8"."discontinued",
        "t8"."discontinuation_reason",
        "t8"."main_diagnosis",
        "t8"."secondary_diagnoses",
        "t8"."education",
        "t8"."work_measures",
        "t8"."programme",
        "t8"."signed_off",
        "t6"."care_level",
        "t6"."region_code",
        "t7"."patient_key",
        "t7"."sex",
        "t7"."birth_year"
      FROM (
        SELECT
          *
        FROM "painreg_ix_registrations" AS "t0"
        WHERE
          COALESCE("t0"."signed_off", TRUE)
      ) AS "t8"
      INNER JOIN (
        SELECT
          "t1"."unit_id",
          "t1"."care_level",
          "t1"."region_code"
        FROM "painreg_ix_units" AS "t1"
      ) AS "t6"
        ON "t8"."unit_id" = "t6"."unit_id"
      LEFT OUTER JOIN (
        SELECT
          "t2"."patient_id" AS "patient_key",
          "t2"."sex",
          "t2"."birth_year"
        FROM "painreg_ix_patients" AS "t2"
      ) AS "t7"
        ON "t8"."patient_id" = "t7"."patient_key"
    ) AS "t9"
  ) AS "t10"
) AS "t11"
WHERE
  REPLACE(UPPER("t11"."main_diagnosis"), '.', '') LIKE :diagnosis || '%'
  AND "t11"."year" = :year
  AND "t11"."care_level" = 'specialist';

-- primary: base (parameters: diagnosis, year)
SELECT
  *
FROM (
  SELECT
    "t10"."registration_id",
    "t10"."patient_id",
    "t10"."unit_id",
    "t10"."category",
    "t10"."referral_date",
    "t10"."first_visit_date",
    "t10"."rehab_start_date",
    "t10"."rehab_end_date",
    "t10"."discontinued",
    "t10"."discontinuation_reason",
    "t10"."main_diagnosis",
    "t10"."secondary_diagnoses",
    "t10"."education",
    "t10"."work_measures",
    "t10"."programme",
    "t10"."signed_off",
    "t10"."care_level",
    "t10"."region_code",
    "t10"."sex",
    "t10"."birth_year",
    "t10"."year",
    "t10"."age",
    "t10"."is_discontinued",
    "t10"."reason"
  FROM (
    SELECT
      "t9"."registration_id",
      "t9"."patient_id",
      "t9"."unit_id",
      "t9"."category",
      "t9"."referral_date",
      "t9"."first_visit_date",
      "t9"."rehab_start_date",
      "t9"."rehab_end_date",
      "t9"."discontinued",
      "t9"."discontinuation_reason",
      "t9"."main_diagnosis",
      "t9"."secondary_diagnoses",
      "t9"."education",
      "t9"."work_measures",
      "t9"."programme",
      "t9"."signed_off",
      "t9"."care_level",
      "t9"."region_code",
      "t9"."patient_key",
      "t9"."sex",
      "t9"."birth_year",
      CASE
        WHEN "t9"."category" = 'rehab'
        THEN CAST(STRFTIME('%Y', "t9"."rehab_end_date") AS INTEGER)
        ELSE CAST(STRFTIME('%Y', "t9"."first_visit_date") AS INTEGER)
      END AS "year",
      CAST(STRFTIME('%Y', "t9"."first_visit_date") AS INTEGER) - "t9"."birth_year" AS "age",
      COALESCE("t9"."discontinued", FALSE) AS "is_discontinued",
      CASE
        WHEN COALESCE("t9"."discontinued", FALSE)
        THEN COALESCE("t9"."discontinuation_reason", 'other')
        ELSE CAST(NULL AS TEXT)
      END AS "reason"
    FROM (
      SELECT
        "t8"."registration_id",
        "t8"."patient_id",
        "t8"."unit_id",
        "t8"."category",
        "t8"."referral_date",
        "t8"."first_visit_date",
        "t8"."rehab_start_date",
        "t8"."rehab_end_date",
        "t8"."discontinued",
        "t8"."discontinuation_reason",
        "t8"."main_diagnosis",
        "t8"."secondary_diagnoses",
        "t8"."education",
        "t8"."work_measures",
        "t8"."programme",
        "t8"."signed_off",
        "t6"."care_level",
        "t6"."region_code",
        "t7"."patient_key",
        "t7"."sex",
        "t7"."birth_year"
      FROM (
        SELECT
          *
        FROM "painreg_ix_registrations" AS "t0"
        WHERE
          COALESCE("t0"."signed_off", TRUE)
      ) AS "t8"
      INNER JOIN (
        SELECT
          "t1"."unit_id",
          "t1"."care_level",
          "t1"."region_code"
        FROM "painreg_ix_units" AS "t1"
      ) AS "t6"
        ON "t8"."unit_id" = "t6"."unit_id"
      LEFT OUTER JOIN (
        SELECT
          "t2"."patient_id" AS "patient_key",
          "t2"."sex",
          "t2"."birth_year"
        FROM "painreg_ix_patients" AS "t2"
      ) AS "t7"
        ON "t8"."patient_id" = "t7"."patient_key"
    ) AS "t9"
  ) AS "t10"
) AS "t11"
WHERE
  REPLACE(UPPER("t11"."main_diagnosis"), '.', '') LIKE :diagnosis || '%'
  AND "t11"."year" = :year
  AND "t11"."care_level" = 'primary';
