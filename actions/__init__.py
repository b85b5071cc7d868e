"""Custom actions of the casino support assistant.

Actions stay thin: they read the tracker, call the support library (casino_support) and
send its French answer. Split by concern: general answers, the player's own account,
the dialogue itself.
"""

from casino_support.masking import install_log_masking

install_log_masking()  # card numbers, IBANs and e-mails in the action server's logs are masked
