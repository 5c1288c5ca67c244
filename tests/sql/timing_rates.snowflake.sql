SELECT
  "t2"."utc_hour",
  COUNT(*) AS "units",
  SUM("t2"."conv") AS "conversions"
FROM (
  SELECT
    "t1"."user_id",
    "t1"."utc_hour",
    MAX("t1"."conv") AS "conv"
  FROM (
    SELECT
      "t0"."user_id",
      "t0"."session_id",
      "t0"."event",
      "t0"."timestamp",
      "t0"."device",
      "t0"."revenue",
      DATE_TRUNC('HOUR', "t0"."timestamp") AS "utc_hour",
      IFF("t0"."event" = 'purchase', 1, 0) AS "conv"
    FROM "events" AS "t0"
    WHERE
      "t0"."timestamp" IS NOT NULL AND "t0"."user_id" IS NOT NULL
  ) AS "t1"
  GROUP BY
    1,
    2
) AS "t2"
GROUP BY
  1
