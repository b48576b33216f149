"""Screens for clinic admins and managers: providers and hours, appointment types, staff, the audit trail."""
