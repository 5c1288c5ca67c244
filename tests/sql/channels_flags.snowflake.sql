SELECT
  "t0"."channel",
  COUNT(*) AS "sent",
  SUM(IFF("t0"."clicked" > 0, 1, 0)) AS "clicked",
  SUM(IFF("t0"."converted" > 0, 1, 0)) AS "converted"
FROM "messages" AS "t0"
GROUP BY
  1
