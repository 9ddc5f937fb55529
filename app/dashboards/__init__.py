"""Dashboards: the quota board, the phase matrix, the overdue list and the quarterly trends."""
