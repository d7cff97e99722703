"""Worklists: what each caseworker (and, across their facilities, each case manager) has to do."""
