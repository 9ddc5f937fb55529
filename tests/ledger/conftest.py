"""Dashboard-side tests share tests/dashboards/journeys.py (items driven through their real workflows)."""
