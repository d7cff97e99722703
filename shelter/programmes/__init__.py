"""Skills programmes: catalogue, sessions, enrolment with waitlist, attendance, completion."""
