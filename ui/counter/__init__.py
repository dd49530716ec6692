"""The clerk's counter screens: queue, identify, matter, materials, form, outcomes, cases."""
