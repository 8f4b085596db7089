"""Hanoi industrial cluster registry (Sổ đăng ký cụm công nghiệp Hà Nội)."""

__version__ = "0.1.0"
