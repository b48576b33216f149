"""Dialogs: booking an appointment, an appointment's details, rescheduling, finding a patient."""
