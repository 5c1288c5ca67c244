SELECT
  "t2"."utc_hour" AS "utc_hour",
  COUNT(*) AS "units",
  SUM("t2"."conv") AS "conversions"
FROM (
  SELECT
    "t1"."user_id" AS "user_id",
    "t1"."utc_hour" AS "utc_hour",
    MAX("t1"."conv") AS "conv"
  FROM (
    SELECT
      "t0"."user_id" AS "user_id",
      "t0"."session_id" AS "session_id",
      "t0"."event" AS "event",
      "t0"."timestamp" AS "timestamp",
      "t0"."device" AS "device",
      "t0"."revenue" AS "revenue",
      dateTrunc('HOUR', "t0"."timestamp") AS "utc_hour",
      CASE WHEN "t0"."event" = 'purchase' THEN 1 ELSE 0 END AS "conv"
    FROM "events" AS "t0"
    WHERE
      isNotNull("t0"."timestamp") AND isNotNull("t0"."user_id")
  ) AS "t1"
  GROUP BY
    "t1"."user_id",
    "t1"."utc_hour"
) AS "t2"
GROUP BY
  "t2"."utc_hour"
