SELECT
  TIMESTAMP_TRUNC(`t1`.`timestamp`, HOUR) AS `utc_hour`,
  CAST(CAST(FLOOR(ieee_divide(EXTRACT(minute FROM `t1`.`timestamp`), 15)) AS INT64) AS INT64) AS `part`,
  COUNT(*) AS `count`
FROM (
  SELECT
    *
  FROM `events` AS `t0`
  WHERE
    `t0`.`timestamp` IS NOT NULL
) AS `t1`
GROUP BY
  1,
  2
