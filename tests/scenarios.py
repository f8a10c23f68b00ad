"""Scenario constants shared by tests. Each section is headed; keep yours together."""

from __future__ import annotations

# Incidents: quickstart near miss
# In ../shared/data/quickstart.csv.gz, Air France 3944e7, climbing out of Paris-CDG, crossed
# British Airways 400804 in level flight at 3,353 m: about 640 m apart horizontally and
# 311 m vertically at 12:45:44Z, inside 5 NM / 1,000 ft for about 40 s. Found by scanning
# every snapshot for pairs of different parties above 1,500 m within those minima.
NEAR_MISS_FILE = "quickstart.csv.gz"
NEAR_MISS_A = ("AFR", "3944e7")  # (party, ICAO address)
NEAR_MISS_B = ("BAW", "400804")
NEAR_MISS_START_S = 1_633_610_600.0  # 2021-10-07T12:43:20Z
NEAR_MISS_END_S = 1_633_610_900.0  # 2021-10-07T12:48:20Z
