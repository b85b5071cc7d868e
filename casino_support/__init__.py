"""The casino support library: plain Python, no Rasa import.

Players and their documents, bonuses and withdrawals; the operator's configuration
(support.yml); the French answers built from it; support hours, tickets, the handoff
queue and agents.
"""
