"""The calendar views: the month grid and the week and day time grids."""
