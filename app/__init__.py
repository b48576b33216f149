"""Clinic Scheduler: a desktop appointment book for clinic front desks."""

APP_NAME = "clinic-scheduler"
