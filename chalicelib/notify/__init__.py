"""Notifications: what people are told, and the topics that carry it."""
