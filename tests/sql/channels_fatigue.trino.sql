SELECT
  "t1"."channel",
  IF("t1"."prior" >= 5, 5, "t1"."prior") AS "level",
  COUNT(*) AS "sent",
  SUM(IF("t1"."converted" > 0, 1, 0)) AS "converted"
FROM (
  SELECT
    "t0"."channel",
    "t0"."converted",
    COUNT("t0"."sent_at") OVER (
      PARTITION BY "t0"."recipient"
      ORDER BY CAST(TO_UNIXTIME("t0"."sent_at") AS BIGINT) ASC
      RANGE BETWEEN 604800 preceding AND CURRENT ROW
    ) - 1 AS "prior"
  FROM "messages" AS "t0"
) AS "t1"
GROUP BY
  1,
  2
