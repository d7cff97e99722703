"""Rehabilitation plans: goals (ATENSI domains), reviews, approval and print."""
