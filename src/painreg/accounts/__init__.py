"""Staff accounts: login with password and TOTP two-factor, enrolment, unit switcher.

Kept apart from ``registry`` because it is about *who is at the keyboard*, not
about registry data: the login steps, the OTP device of each person and the
unit a person is currently working in.
"""
