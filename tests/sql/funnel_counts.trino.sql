WITH "t1" AS (
  SELECT DISTINCT
    "t0"."user_id" AS "u0",
    "t0"."timestamp" AS "t0",
    "t0"."timestamp" AS "tp"
  FROM "events" AS "t0"
  WHERE
    "t0"."user_id" IS NOT NULL
    AND "t0"."timestamp" IS NOT NULL
    AND "t0"."event" = 'view_item'
), "t13" AS (
  SELECT
    "t12"."u0",
    "t12"."tp",
    MAX("t12"."t0") AS "t0"
  FROM (
    SELECT
      "t11"."u0",
      "t11"."t0",
      MIN("t11"."ets") AS "tp"
    FROM (
      SELECT
        "t7"."u0",
        "t7"."t0",
        "t7"."tp",
        "t6"."eu0",
        "t6"."ets"
      FROM "t1" AS "t7"
      INNER JOIN (
        SELECT
          "t0"."user_id" AS "eu0",
          "t0"."timestamp" AS "ets"
        FROM "events" AS "t0"
        WHERE
          "t0"."user_id" IS NOT NULL
          AND "t0"."timestamp" IS NOT NULL
          AND "t0"."event" = 'add_to_cart'
      ) AS "t6"
        ON "t7"."u0" = "t6"."eu0"
        AND "t6"."ets" >= "t7"."tp"
        AND "t6"."ets" <= (
          "t7"."t0" + INTERVAL '604800' SECOND
        )
    ) AS "t11"
    GROUP BY
      1,
      2
  ) AS "t12"
  GROUP BY
    1,
    2
)
SELECT
  "t27"."step",
  "t27"."units"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t25"."units",
      3 AS "step"
    FROM (
      SELECT
        COUNT(*) AS "units"
      FROM (
        SELECT DISTINCT
          "t23"."u0"
        FROM (
          SELECT
            "t22"."u0",
            "t22"."tp",
            MAX("t22"."t0") AS "t0"
          FROM (
            SELECT
              "t21"."u0",
              "t21"."t0",
              MIN("t21"."ets") AS "tp"
            FROM (
              SELECT
                "t17"."u0",
                "t17"."t0",
                "t17"."tp",
                "t5"."eu0",
                "t5"."ets"
              FROM (
                SELECT
                  "t14"."u0",
                  "t14"."t0",
                  "t14"."tp"
                FROM "t13" AS "t14"
              ) AS "t17"
              INNER JOIN (
                SELECT
                  "t0"."user_id" AS "eu0",
                  "t0"."timestamp" AS "ets"
                FROM "events" AS "t0"
                WHERE
                  "t0"."user_id" IS NOT NULL
                  AND "t0"."timestamp" IS NOT NULL
                  AND "t0"."event" = 'purchase'
              ) AS "t5"
                ON "t17"."u0" = "t5"."eu0"
                AND "t5"."ets" >= "t17"."tp"
                AND "t5"."ets" <= (
                  "t17"."t0" + INTERVAL '604800' SECOND
                )
            ) AS "t21"
            GROUP BY
              1,
              2
          ) AS "t22"
          GROUP BY
            1,
            2
        ) AS "t23"
      ) AS "t24"
    ) AS "t25"
  ) AS "t26"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t9"."units",
        1 AS "step"
      FROM (
        SELECT
          COUNT(*) AS "units"
        FROM (
          SELECT DISTINCT
            "t4"."u0"
          FROM "t1" AS "t4"
        ) AS "t8"
      ) AS "t9"
    ) AS "t10"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t18"."units",
        2 AS "step"
      FROM (
        SELECT
          COUNT(*) AS "units"
        FROM (
          SELECT DISTINCT
            "t14"."u0"
          FROM "t13" AS "t14"
        ) AS "t15"
      ) AS "t18"
    ) AS "t19"
  ) AS "t20"
) AS "t27"
