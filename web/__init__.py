"""Helpers that every app's pages and API share: reading a list's ?status= filter, putting a
service's ValidationError onto a form. Imports no domain app, so any app may use it."""
