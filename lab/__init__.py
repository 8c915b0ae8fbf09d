"""Lab of real IKE daemons: reproducible, labelled captures for ikescope's tests."""
