"""Hosts: registration, login, friends and ban lists, who is welcome."""
