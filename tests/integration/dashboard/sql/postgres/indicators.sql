-- completed_rehab (parameters: year)
SELECT
  "t1"."unit_id",
  COUNT(*) AS "count"
FROM (
  SELECT
    *
  FROM "painreg_dash_base" AS "t0"
  WHERE
    "t0"."category" = 'rehab'
    AND "t0"."year" = %(year)s
    AND NOT (
      "t0"."is_discontinued"
    )
) AS "t1"
GROUP BY
  1;

-- assessments (parameters: year)
SELECT
  "t1"."unit_id",
  COUNT(*) AS "count"
FROM (
  SELECT
    *
  FROM "painreg_dash_base" AS "t0"
  WHERE
    "t0"."category" = 'assessment' AND "t0"."year" = %(year)s
) AS "t1"
GROUP BY
  1;

-- discontinued (parameters: year)
SELECT
  "t1"."unit_id",
  SUM(CAST(CAST("t1"."reason" = 'own_decision' AS INT) AS BIGINT)) AS "own_decision",
  SUM(CAST(CAST("t1"."reason" = 'other_medical' AS INT) AS BIGINT)) AS "other_medical",
  SUM(CAST(CAST("t1"."reason" = 'other' AS INT) AS BIGINT)) AS "other"
FROM (
  SELECT
    *
  FROM "painreg_dash_base" AS "t0"
  WHERE
    "t0"."category" = 'rehab' AND "t0"."year" = %(year)s AND "t0"."is_discontinued"
) AS "t1"
GROUP BY
  1;

-- coverage (parameters: year)
SELECT
  COALESCE("t6"."unit_id", "t4"."unit_id") AS "unit_id",
  COALESCE("t6"."registered", 0) AS "registered",
  "t4"."reported_total"
FROM (
  SELECT
    "t2"."unit_id",
    COUNT(*) AS "registered"
  FROM (
    SELECT
      *
    FROM "painreg_dash_base" AS "t0"
    WHERE
      "t0"."category" = 'rehab' AND "t0"."year" = %(year)s
  ) AS "t2"
  GROUP BY
    1
) AS "t6"
FULL OUTER JOIN (
  SELECT
    "t1"."unit_id",
    "t1"."rehab_patients_total" AS "reported_total"
  FROM "painreg_ix_unit_year_totals" AS "t1"
  WHERE
    "t1"."year" = %(year)s
) AS "t4"
  ON "t6"."unit_id" = "t4"."unit_id";

-- response_rate_end (parameters: year)
WITH "t2" AS (
  SELECT
    *
  FROM "painreg_dash_base" AS "t0"
  WHERE
    "t0"."category" = 'rehab'
    AND "t0"."year" = (
      %(year)s - 0
    )
    AND NOT (
      "t0"."is_discontinued"
    )
)
SELECT
  "t8"."unit_id",
  COALESCE("t11"."numerator", 0) AS "numerator",
  "t8"."denominator"
FROM (
  SELECT
    "t4"."unit_id",
    COUNT(*) AS "denominator"
  FROM "t2" AS "t4"
  GROUP BY
    1
) AS "t8"
LEFT OUTER JOIN (
  SELECT
    "t9"."unit_id",
    COUNT(*) AS "numerator"
  FROM (
    SELECT
      "t6"."registration_id",
      "t6"."patient_id",
      "t6"."unit_id",
      "t6"."category",
      "t6"."referral_date",
      "t6"."first_visit_date",
      "t6"."rehab_start_date",
      "t6"."rehab_end_date",
      "t6"."discontinued",
      "t6"."discontinuation_reason",
      "t6"."main_diagnosis",
      "t6"."secondary_diagnoses",
      "t6"."education",
      "t6"."work_measures",
      "t6"."programme",
      "t6"."signed_off",
      "t6"."care_level",
      "t6"."region_code",
      "t6"."sex",
      "t6"."birth_year",
      "t6"."year",
      "t6"."age",
      "t6"."is_discontinued",
      "t6"."reason"
    FROM "t2" AS "t6"
    WHERE
      EXISTS(
        SELECT
          1
        FROM (
          SELECT
            *
          FROM "painreg_ix_answers" AS "t1"
          WHERE
            "t1"."occasion" = 'end'
        ) AS "t5"
        WHERE
          "t6"."registration_id" = "t5"."registration_id"
      )
  ) AS "t9"
  GROUP BY
    1
) AS "t11"
  ON "t8"."unit_id" = "t11"."unit_id";

-- hads_anxiety_case_initial (parameters: year)
SELECT
  "t7"."unit_id",
  SUM(CAST(CAST("t7"."case" AS INT) AS BIGINT)) AS "numerator",
  COUNT(*) AS "denominator"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."patient_id",
    "t6"."unit_id",
    "t6"."category",
    "t6"."referral_date",
    "t6"."first_visit_date",
    "t6"."rehab_start_date",
    "t6"."rehab_end_date",
    "t6"."discontinued",
    "t6"."discontinuation_reason",
    "t6"."main_diagnosis",
    "t6"."secondary_diagnoses",
    "t6"."education",
    "t6"."work_measures",
    "t6"."programme",
    "t6"."signed_off",
    "t6"."care_level",
    "t6"."region_code",
    "t6"."sex",
    "t6"."birth_year",
    "t6"."year",
    "t6"."age",
    "t6"."is_discontinued",
    "t6"."reason",
    "t6"."value",
    CASE WHEN "t6"."value" <= 7.0 THEN 0 WHEN "t6"."value" <= 10.0 THEN 1 ELSE 2 END = 2 AS "case"
  FROM (
    SELECT
      "t4"."registration_id",
      "t4"."patient_id",
      "t4"."unit_id",
      "t4"."category",
      "t4"."referral_date",
      "t4"."first_visit_date",
      "t4"."rehab_start_date",
      "t4"."rehab_end_date",
      "t4"."discontinued",
      "t4"."discontinuation_reason",
      "t4"."main_diagnosis",
      "t4"."secondary_diagnoses",
      "t4"."education",
      "t4"."work_measures",
      "t4"."programme",
      "t4"."signed_off",
      "t4"."care_level",
      "t4"."region_code",
      "t4"."sex",
      "t4"."birth_year",
      "t4"."year",
      "t4"."age",
      "t4"."is_discontinued",
      "t4"."reason",
      "t5"."value"
    FROM (
      SELECT
        *
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = %(year)s
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t4"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'anxiety'
        AND "t1"."occasion" = 'initial'
    ) AS "t5"
      ON "t4"."registration_id" = "t5"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- hads_depression_case_initial (parameters: year)
SELECT
  "t7"."unit_id",
  SUM(CAST(CAST("t7"."case" AS INT) AS BIGINT)) AS "numerator",
  COUNT(*) AS "denominator"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."patient_id",
    "t6"."unit_id",
    "t6"."category",
    "t6"."referral_date",
    "t6"."first_visit_date",
    "t6"."rehab_start_date",
    "t6"."rehab_end_date",
    "t6"."discontinued",
    "t6"."discontinuation_reason",
    "t6"."main_diagnosis",
    "t6"."secondary_diagnoses",
    "t6"."education",
    "t6"."work_measures",
    "t6"."programme",
    "t6"."signed_off",
    "t6"."care_level",
    "t6"."region_code",
    "t6"."sex",
    "t6"."birth_year",
    "t6"."year",
    "t6"."age",
    "t6"."is_discontinued",
    "t6"."reason",
    "t6"."value",
    CASE WHEN "t6"."value" <= 7.0 THEN 0 WHEN "t6"."value" <= 10.0 THEN 1 ELSE 2 END = 2 AS "case"
  FROM (
    SELECT
      "t4"."registration_id",
      "t4"."patient_id",
      "t4"."unit_id",
      "t4"."category",
      "t4"."referral_date",
      "t4"."first_visit_date",
      "t4"."rehab_start_date",
      "t4"."rehab_end_date",
      "t4"."discontinued",
      "t4"."discontinuation_reason",
      "t4"."main_diagnosis",
      "t4"."secondary_diagnoses",
      "t4"."education",
      "t4"."work_measures",
      "t4"."programme",
      "t4"."signed_off",
      "t4"."care_level",
      "t4"."region_code",
      "t4"."sex",
      "t4"."birth_year",
      "t4"."year",
      "t4"."age",
      "t4"."is_discontinued",
      "t4"."reason",
      "t5"."value"
    FROM (
      SELECT
        *
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = %(year)s
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t4"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'depression'
        AND "t1"."occasion" = 'initial'
    ) AS "t5"
      ON "t4"."registration_id" = "t5"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- global_life_situation (parameters: year)
SELECT
  "t7"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t7"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t7"."category" = 'unchanged' AS INT) AS BIGINT)) AS "unchanged",
  SUM(CAST(CAST("t7"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."unit_id",
    "t6"."end_value",
    CASE
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 0
      THEN 'improved'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 1
      THEN 'unchanged'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 2
      THEN 'worsened'
      ELSE NULL
    END AS "category"
  FROM (
    SELECT
      "t5"."registration_id",
      "t5"."unit_id",
      "t4"."end_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t5"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'global' AND "t1"."score" = 'life' AND "t1"."occasion" = 'end'
    ) AS "t4"
      ON "t5"."registration_id" = "t4"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- global_pain_experience (parameters: year)
SELECT
  "t7"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t7"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t7"."category" = 'unchanged' AS INT) AS BIGINT)) AS "unchanged",
  SUM(CAST(CAST("t7"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."unit_id",
    "t6"."end_value",
    CASE
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 0
      THEN 'improved'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 1
      THEN 'unchanged'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 2
      THEN 'worsened'
      ELSE NULL
    END AS "category"
  FROM (
    SELECT
      "t5"."registration_id",
      "t5"."unit_id",
      "t4"."end_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t5"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'global' AND "t1"."score" = 'pain' AND "t1"."occasion" = 'end'
    ) AS "t4"
      ON "t5"."registration_id" = "t4"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- global_pain_handling (parameters: year)
SELECT
  "t7"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t7"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t7"."category" = 'unchanged' AS INT) AS BIGINT)) AS "unchanged",
  SUM(CAST(CAST("t7"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."unit_id",
    "t6"."end_value",
    CASE
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 0
      THEN 'improved'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 1
      THEN 'unchanged'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 2
      THEN 'worsened'
      ELSE NULL
    END AS "category"
  FROM (
    SELECT
      "t5"."registration_id",
      "t5"."unit_id",
      "t4"."end_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t5"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'global'
        AND "t1"."score" = 'painhandling'
        AND "t1"."occasion" = 'end'
    ) AS "t4"
      ON "t5"."registration_id" = "t4"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- eqvas_change (parameters: year)
SELECT
  "t27"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t27"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t27"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t27"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t27"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t26"."registration_id",
    "t26"."unit_id",
    "t26"."end_value",
    "t26"."initial_value",
    CASE
      WHEN (
        "t26"."end_value" - "t26"."initial_value"
      ) >= 9.999999999
      THEN 'improved'
      WHEN (
        "t26"."end_value" - "t26"."initial_value"
      ) <= -9.999999999
      THEN 'worsened'
      WHEN "t26"."end_value" >= 70.0
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t9"."registration_id",
      "t9"."unit_id",
      "t24"."end_value",
      "t25"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t9"
    INNER JOIN (
      SELECT
        "t20"."registration_id",
        "t20"."value" AS "end_value"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t12"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 0
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d3l' AND "t1"."score" = 'vas' AND "t1"."occasion" = 'end'
          ) AS "t12"
            ON "t10"."registration_id" = "t12"."registration_id"
        ) AS "t16"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t13"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 0
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d5l' AND "t1"."score" = 'vas' AND "t1"."occasion" = 'end'
          ) AS "t13"
            ON "t10"."registration_id" = "t13"."registration_id"
          WHERE
            NOT EXISTS(
              SELECT
                1
              FROM (
                SELECT
                  "t1"."registration_id"
                FROM "painreg_ix_scores" AS "t1"
                WHERE
                  "t1"."instrument" = 'eq5d3l' AND "t1"."score" = 'vas'
              ) AS "t11"
              WHERE
                "t10"."registration_id" = "t11"."registration_id"
            )
        ) AS "t17"
      ) AS "t20"
    ) AS "t24"
      ON "t9"."registration_id" = "t24"."registration_id"
    INNER JOIN (
      SELECT
        "t21"."registration_id",
        "t21"."value" AS "initial_value"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t14"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 0
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d3l'
              AND "t1"."score" = 'vas'
              AND "t1"."occasion" = 'initial'
          ) AS "t14"
            ON "t10"."registration_id" = "t14"."registration_id"
        ) AS "t18"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t15"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 0
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d5l'
              AND "t1"."score" = 'vas'
              AND "t1"."occasion" = 'initial'
          ) AS "t15"
            ON "t10"."registration_id" = "t15"."registration_id"
          WHERE
            NOT EXISTS(
              SELECT
                1
              FROM (
                SELECT
                  "t1"."registration_id"
                FROM "painreg_ix_scores" AS "t1"
                WHERE
                  "t1"."instrument" = 'eq5d3l' AND "t1"."score" = 'vas'
              ) AS "t11"
              WHERE
                "t10"."registration_id" = "t11"."registration_id"
            )
        ) AS "t19"
      ) AS "t21"
    ) AS "t25"
      ON "t9"."registration_id" = "t25"."registration_id"
  ) AS "t26"
) AS "t27"
GROUP BY
  1;

-- hads_anxiety_change (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END <> CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      AND (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END < CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      THEN 'improved'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END <> CASE
        WHEN "t8"."initial_value" <= 7.0
        THEN 0
        WHEN "t8"."initial_value" <= 10.0
        THEN 1
        ELSE 2
      END
      THEN 'worsened'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END IN (0)
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'anxiety'
        AND "t1"."occasion" = 'end'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'anxiety'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;

-- hads_depression_change (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END <> CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      AND (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END < CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      THEN 'improved'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END <> CASE
        WHEN "t8"."initial_value" <= 7.0
        THEN 0
        WHEN "t8"."initial_value" <= 10.0
        THEN 1
        ELSE 2
      END
      THEN 'worsened'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END IN (0)
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'depression'
        AND "t1"."occasion" = 'end'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'depression'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;

-- pcs_change (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        "t8"."end_value" - "t8"."initial_value"
      ) <= -15.099999999
      THEN 'improved'
      WHEN (
        "t8"."end_value" - "t8"."initial_value"
      ) >= 15.099999999
      THEN 'worsened'
      WHEN "t8"."end_value" < 30.0
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'pcs' AND "t1"."score" = 'total' AND "t1"."occasion" = 'end'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'pcs'
        AND "t1"."score" = 'total'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;

-- wai_change (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        CASE
          WHEN "t8"."end_value" <= 5.0
          THEN 0
          WHEN "t8"."end_value" <= 7.0
          THEN 1
          WHEN "t8"."end_value" <= 9.0
          THEN 2
          ELSE 3
        END <> CASE
          WHEN "t8"."initial_value" <= 5.0
          THEN 0
          WHEN "t8"."initial_value" <= 7.0
          THEN 1
          WHEN "t8"."initial_value" <= 9.0
          THEN 2
          ELSE 3
        END
      )
      AND (
        CASE
          WHEN "t8"."end_value" <= 5.0
          THEN 0
          WHEN "t8"."end_value" <= 7.0
          THEN 1
          WHEN "t8"."end_value" <= 9.0
          THEN 2
          ELSE 3
        END > CASE
          WHEN "t8"."initial_value" <= 5.0
          THEN 0
          WHEN "t8"."initial_value" <= 7.0
          THEN 1
          WHEN "t8"."initial_value" <= 9.0
          THEN 2
          ELSE 3
        END
      )
      THEN 'improved'
      WHEN CASE
        WHEN "t8"."end_value" <= 5.0
        THEN 0
        WHEN "t8"."end_value" <= 7.0
        THEN 1
        WHEN "t8"."end_value" <= 9.0
        THEN 2
        ELSE 3
      END <> CASE
        WHEN "t8"."initial_value" <= 5.0
        THEN 0
        WHEN "t8"."initial_value" <= 7.0
        THEN 1
        WHEN "t8"."initial_value" <= 9.0
        THEN 2
        ELSE 3
      END
      THEN 'worsened'
      WHEN CASE
        WHEN "t8"."end_value" <= 5.0
        THEN 0
        WHEN "t8"."end_value" <= 7.0
        THEN 1
        WHEN "t8"."end_value" <= 9.0
        THEN 2
        ELSE 3
      END IN (2, 3)
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 0
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'wai' AND "t1"."score" = 'score' AND "t1"."occasion" = 'end'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'wai'
        AND "t1"."score" = 'score'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;

-- global_life_situation_1y (parameters: year)
SELECT
  "t7"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t7"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t7"."category" = 'unchanged' AS INT) AS BIGINT)) AS "unchanged",
  SUM(CAST(CAST("t7"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."unit_id",
    "t6"."end_value",
    CASE
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 0
      THEN 'improved'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 1
      THEN 'unchanged'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 2
      THEN 'worsened'
      ELSE NULL
    END AS "category"
  FROM (
    SELECT
      "t5"."registration_id",
      "t5"."unit_id",
      "t4"."end_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t5"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'global'
        AND "t1"."score" = 'life'
        AND "t1"."occasion" = 'followup_1y'
    ) AS "t4"
      ON "t5"."registration_id" = "t4"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- global_pain_experience_1y (parameters: year)
SELECT
  "t7"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t7"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t7"."category" = 'unchanged' AS INT) AS BIGINT)) AS "unchanged",
  SUM(CAST(CAST("t7"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."unit_id",
    "t6"."end_value",
    CASE
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 0
      THEN 'improved'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 1
      THEN 'unchanged'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 2
      THEN 'worsened'
      ELSE NULL
    END AS "category"
  FROM (
    SELECT
      "t5"."registration_id",
      "t5"."unit_id",
      "t4"."end_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t5"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'global'
        AND "t1"."score" = 'pain'
        AND "t1"."occasion" = 'followup_1y'
    ) AS "t4"
      ON "t5"."registration_id" = "t4"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- global_pain_handling_1y (parameters: year)
SELECT
  "t7"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t7"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t7"."category" = 'unchanged' AS INT) AS BIGINT)) AS "unchanged",
  SUM(CAST(CAST("t7"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t6"."registration_id",
    "t6"."unit_id",
    "t6"."end_value",
    CASE
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 0
      THEN 'improved'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 1
      THEN 'unchanged'
      WHEN CASE
        WHEN "t6"."end_value" <= 3.0
        THEN 0
        WHEN "t6"."end_value" <= 4.0
        THEN 1
        ELSE 2
      END = 2
      THEN 'worsened'
      ELSE NULL
    END AS "category"
  FROM (
    SELECT
      "t5"."registration_id",
      "t5"."unit_id",
      "t4"."end_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t5"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'global'
        AND "t1"."score" = 'painhandling'
        AND "t1"."occasion" = 'followup_1y'
    ) AS "t4"
      ON "t5"."registration_id" = "t4"."registration_id"
  ) AS "t6"
) AS "t7"
GROUP BY
  1;

-- eqvas_change_1y (parameters: year)
SELECT
  "t27"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t27"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t27"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t27"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t27"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t26"."registration_id",
    "t26"."unit_id",
    "t26"."end_value",
    "t26"."initial_value",
    CASE
      WHEN (
        "t26"."end_value" - "t26"."initial_value"
      ) >= 9.999999999
      THEN 'improved'
      WHEN (
        "t26"."end_value" - "t26"."initial_value"
      ) <= -9.999999999
      THEN 'worsened'
      WHEN "t26"."end_value" >= 70.0
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t9"."registration_id",
      "t9"."unit_id",
      "t24"."end_value",
      "t25"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t9"
    INNER JOIN (
      SELECT
        "t20"."registration_id",
        "t20"."value" AS "end_value"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t12"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 1
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d3l'
              AND "t1"."score" = 'vas'
              AND "t1"."occasion" = 'followup_1y'
          ) AS "t12"
            ON "t10"."registration_id" = "t12"."registration_id"
        ) AS "t16"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t13"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 1
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d5l'
              AND "t1"."score" = 'vas'
              AND "t1"."occasion" = 'followup_1y'
          ) AS "t13"
            ON "t10"."registration_id" = "t13"."registration_id"
          WHERE
            NOT EXISTS(
              SELECT
                1
              FROM (
                SELECT
                  "t1"."registration_id"
                FROM "painreg_ix_scores" AS "t1"
                WHERE
                  "t1"."instrument" = 'eq5d3l' AND "t1"."score" = 'vas'
              ) AS "t11"
              WHERE
                "t10"."registration_id" = "t11"."registration_id"
            )
        ) AS "t17"
      ) AS "t20"
    ) AS "t24"
      ON "t9"."registration_id" = "t24"."registration_id"
    INNER JOIN (
      SELECT
        "t21"."registration_id",
        "t21"."value" AS "initial_value"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t14"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 1
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d3l'
              AND "t1"."score" = 'vas'
              AND "t1"."occasion" = 'initial'
          ) AS "t14"
            ON "t10"."registration_id" = "t14"."registration_id"
        ) AS "t18"
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            "t10"."registration_id",
            "t15"."value"
          FROM (
            SELECT
              "t0"."registration_id"
            FROM "painreg_dash_base" AS "t0"
            WHERE
              "t0"."category" = 'rehab'
              AND "t0"."year" = (
                %(year)s - 1
              )
              AND NOT (
                "t0"."is_discontinued"
              )
          ) AS "t10"
          INNER JOIN (
            SELECT
              "t1"."registration_id",
              "t1"."value"
            FROM "painreg_ix_scores" AS "t1"
            WHERE
              "t1"."instrument" = 'eq5d5l'
              AND "t1"."score" = 'vas'
              AND "t1"."occasion" = 'initial'
          ) AS "t15"
            ON "t10"."registration_id" = "t15"."registration_id"
          WHERE
            NOT EXISTS(
              SELECT
                1
              FROM (
                SELECT
                  "t1"."registration_id"
                FROM "painreg_ix_scores" AS "t1"
                WHERE
                  "t1"."instrument" = 'eq5d3l' AND "t1"."score" = 'vas'
              ) AS "t11"
              WHERE
                "t10"."registration_id" = "t11"."registration_id"
            )
        ) AS "t19"
      ) AS "t21"
    ) AS "t25"
      ON "t9"."registration_id" = "t25"."registration_id"
  ) AS "t26"
) AS "t27"
GROUP BY
  1;

-- hads_anxiety_change_1y (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END <> CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      AND (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END < CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      THEN 'improved'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END <> CASE
        WHEN "t8"."initial_value" <= 7.0
        THEN 0
        WHEN "t8"."initial_value" <= 10.0
        THEN 1
        ELSE 2
      END
      THEN 'worsened'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END IN (0)
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'anxiety'
        AND "t1"."occasion" = 'followup_1y'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'anxiety'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;

-- hads_depression_change_1y (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END <> CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      AND (
        CASE
          WHEN "t8"."end_value" <= 7.0
          THEN 0
          WHEN "t8"."end_value" <= 10.0
          THEN 1
          ELSE 2
        END < CASE
          WHEN "t8"."initial_value" <= 7.0
          THEN 0
          WHEN "t8"."initial_value" <= 10.0
          THEN 1
          ELSE 2
        END
      )
      THEN 'improved'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END <> CASE
        WHEN "t8"."initial_value" <= 7.0
        THEN 0
        WHEN "t8"."initial_value" <= 10.0
        THEN 1
        ELSE 2
      END
      THEN 'worsened'
      WHEN CASE
        WHEN "t8"."end_value" <= 7.0
        THEN 0
        WHEN "t8"."end_value" <= 10.0
        THEN 1
        ELSE 2
      END IN (0)
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'depression'
        AND "t1"."occasion" = 'followup_1y'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'hads'
        AND "t1"."score" = 'depression'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;

-- pcs_change_1y (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        "t8"."end_value" - "t8"."initial_value"
      ) <= -15.099999999
      THEN 'improved'
      WHEN (
        "t8"."end_value" - "t8"."initial_value"
      ) >= 15.099999999
      THEN 'worsened'
      WHEN "t8"."end_value" < 30.0
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'pcs'
        AND "t1"."score" = 'total'
        AND "t1"."occasion" = 'followup_1y'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'pcs'
        AND "t1"."score" = 'total'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;

-- wai_change_1y (parameters: year)
SELECT
  "t9"."unit_id",
  COUNT(*) AS "n",
  SUM(CAST(CAST("t9"."category" = 'improved' AS INT) AS BIGINT)) AS "improved",
  SUM(CAST(CAST("t9"."category" = 'unchanged_positive' AS INT) AS BIGINT)) AS "unchanged_positive",
  SUM(CAST(CAST("t9"."category" = 'unchanged_negative' AS INT) AS BIGINT)) AS "unchanged_negative",
  SUM(CAST(CAST("t9"."category" = 'worsened' AS INT) AS BIGINT)) AS "worsened"
FROM (
  SELECT
    "t8"."registration_id",
    "t8"."unit_id",
    "t8"."end_value",
    "t8"."initial_value",
    CASE
      WHEN (
        CASE
          WHEN "t8"."end_value" <= 5.0
          THEN 0
          WHEN "t8"."end_value" <= 7.0
          THEN 1
          WHEN "t8"."end_value" <= 9.0
          THEN 2
          ELSE 3
        END <> CASE
          WHEN "t8"."initial_value" <= 5.0
          THEN 0
          WHEN "t8"."initial_value" <= 7.0
          THEN 1
          WHEN "t8"."initial_value" <= 9.0
          THEN 2
          ELSE 3
        END
      )
      AND (
        CASE
          WHEN "t8"."end_value" <= 5.0
          THEN 0
          WHEN "t8"."end_value" <= 7.0
          THEN 1
          WHEN "t8"."end_value" <= 9.0
          THEN 2
          ELSE 3
        END > CASE
          WHEN "t8"."initial_value" <= 5.0
          THEN 0
          WHEN "t8"."initial_value" <= 7.0
          THEN 1
          WHEN "t8"."initial_value" <= 9.0
          THEN 2
          ELSE 3
        END
      )
      THEN 'improved'
      WHEN CASE
        WHEN "t8"."end_value" <= 5.0
        THEN 0
        WHEN "t8"."end_value" <= 7.0
        THEN 1
        WHEN "t8"."end_value" <= 9.0
        THEN 2
        ELSE 3
      END <> CASE
        WHEN "t8"."initial_value" <= 5.0
        THEN 0
        WHEN "t8"."initial_value" <= 7.0
        THEN 1
        WHEN "t8"."initial_value" <= 9.0
        THEN 2
        ELSE 3
      END
      THEN 'worsened'
      WHEN CASE
        WHEN "t8"."end_value" <= 5.0
        THEN 0
        WHEN "t8"."end_value" <= 7.0
        THEN 1
        WHEN "t8"."end_value" <= 9.0
        THEN 2
        ELSE 3
      END IN (2, 3)
      THEN 'unchanged_positive'
      ELSE 'unchanged_negative'
    END AS "category"
  FROM (
    SELECT
      "t7"."registration_id",
      "t7"."unit_id",
      "t5"."end_value",
      "t6"."initial_value"
    FROM (
      SELECT
        "t0"."registration_id",
        "t0"."unit_id"
      FROM "painreg_dash_base" AS "t0"
      WHERE
        "t0"."category" = 'rehab'
        AND "t0"."year" = (
          %(year)s - 1
        )
        AND NOT (
          "t0"."is_discontinued"
        )
    ) AS "t7"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "end_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'wai'
        AND "t1"."score" = 'score'
        AND "t1"."occasion" = 'followup_1y'
    ) AS "t5"
      ON "t7"."registration_id" = "t5"."registration_id"
    INNER JOIN (
      SELECT
        "t1"."registration_id",
        "t1"."value" AS "initial_value"
      FROM "painreg_ix_scores" AS "t1"
      WHERE
        "t1"."instrument" = 'wai'
        AND "t1"."score" = 'score'
        AND "t1"."occasion" = 'initial'
    ) AS "t6"
      ON "t7"."registration_id" = "t6"."registration_id"
  ) AS "t8"
) AS "t9"
GROUP BY
  1;
