"""Stored file content (evidence, archived notice PDFs): on the local disk or in the database."""
