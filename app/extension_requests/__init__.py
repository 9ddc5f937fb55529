"""Deadline extension requests (延期申请): a unit asks, the office grants or refuses."""
