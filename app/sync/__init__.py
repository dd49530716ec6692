"""The centre side of sync: outbox, push/pull agent, enrolment, restore."""
