-- specialist: base (parameters: age_high, age_low, diagnosis, education, programme, sex, year)
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
        "t7"."registration_id",
        "t7"."patient_id",
        "t7"."unit_id",
        "t7"."category",
        "t7"."referral_date",
        "t7"."first_visit_date",
        "t7"."rehab_start_date",
        "t7"."rehab_end_date",
        "t7"."discontinued",
        "t7"."discontinuation_reason",
        "t7"."main_diagnosis",
        "t7"."secondary_diagnoses",
        "t7"."education",
        "t7"."work_measures",
        "t7"."programme",
        "t7"."signed_off",
        "t8"."care_level",
        "t8"."region_code",
        "t6"."patient_key",
        "t6"."sex",
        "t6"."birth_year"
      FROM (
        SELECT
          *
        FROM "painreg_ix_registrations" AS "t0"
        WHERE
          COALESCE("t0"."signed_off", TRUE)
      ) AS "t7"
      INNER JOIN (
        SELECT
          "t1"."unit_id",
          "t1"."care_level",
          "t1"."region_code"
        FROM "painreg_ix_units" AS "t1"
        WHERE
          COALESCE("t1"."connected", TRUE)
      ) AS "t8"
        ON "t7"."unit_id" = "t8"."unit_id"
      LEFT OUTER JOIN (
        SELECT
          "t2"."patient_id" AS "patient_key",
          "t2"."sex",
          "t2"."birth_year"
        FROM "painreg_ix_patients" AS "t2"
      ) AS "t6"
        ON "t7"."patient_id" = "t6"."patient_key"
    ) AS "t9"
  ) AS "t10"
) AS "t11"
WHERE
  "t11"."sex" = :sex
  AND "t11"."age" >= :age_low
  AND "t11"."age" <= :age_high
  AND "t11"."education" = :education
  AND REPLACE(UPPER("t11"."main_diagnosis"), '.', '') LIKE :diagnosis || '%'
  AND INSTR(';' || COALESCE("t11"."programme", '') || ';', :programme) >= 1
  AND (
    (
      "t11"."year" = :year
    ) OR (
      "t11"."year" = (
        :year - 1
      )
    )
  )
  AND "t11"."care_level" = 'specialist';

-- primary: base (parameters: age_high, age_low, diagnosis, education, programme, sex, year)
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
        "t7"."registration_id",
        "t7"."patient_id",
        "t7"."unit_id",
        "t7"."category",
        "t7"."referral_date",
        "t7"."first_visit_date",
        "t7"."rehab_start_date",
        "t7"."rehab_end_date",
        "t7"."discontinued",
        "t7"."discontinuation_reason",
        "t7"."main_diagnosis",
        "t7"."secondary_diagnoses",
        "t7"."education",
        "t7"."work_measures",
        "t7"."programme",
        "t7"."signed_off",
        "t8"."care_level",
        "t8"."region_code",
        "t6"."patient_key",
        "t6"."sex",
        "t6"."birth_year"
      FROM (
        SELECT
          *
        FROM "painreg_ix_registrations" AS "t0"
        WHERE
          COALESCE("t0"."signed_off", TRUE)
      ) AS "t7"
      INNER JOIN (
        SELECT
          "t1"."unit_id",
          "t1"."care_level",
          "t1"."region_code"
        FROM "painreg_ix_units" AS "t1"
        WHERE
          COALESCE("t1"."connected", TRUE)
      ) AS "t8"
        ON "t7"."unit_id" = "t8"."unit_id"
      LEFT OUTER JOIN (
        SELECT
          "t2"."patient_id" AS "patient_key",
          "t2"."sex",
          "t2"."birth_year"
        FROM "painreg_ix_patients" AS "t2"
      ) AS "t6"
        ON "t7"."patient_id" = "t6"."patient_key"
    ) AS "t9"
  ) AS "t10"
) AS "t11"
WHERE
  "t11"."sex" = :sex
  AND "t11"."age" >= :age_low
  AND "t11"."age" <= :age_high
  AND "t11"."education" = :education
  AND REPLACE(UPPER("t11"."main_diagnosis"), '.', '') LIKE :diagnosis || '%'
  AND INSTR(';' || COALESCE("t11"."programme", '') || ';', :programme) >= 1
  AND (
    (
      "t11"."year" = :year
    ) OR (
      "t11"."year" = (
        :year - 1
      )
    )
  )
  AND "t11"."care_level" = 'primary';
