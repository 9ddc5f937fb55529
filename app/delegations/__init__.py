"""Delegation (委托代办): an approver away hands their role to a named colleague for a date range."""
