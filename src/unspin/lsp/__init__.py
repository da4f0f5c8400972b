"""unspin's Language Server: diagnostics, fixes and rule documentation in editors (``unspin server``)."""
