print("medpolicy")
