"""Pure rules of the counter: identities, calendar, deadlines, queue, case states, catalogue types."""
