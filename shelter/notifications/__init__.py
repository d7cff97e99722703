"""SMS: the outbox every message goes through, the gateways (console, Twilio) and Twilio's status webhook."""
