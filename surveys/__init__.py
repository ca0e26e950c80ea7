"""Questionnaires: definitions, the form engine, storage, respondent pages and the JSON API."""
