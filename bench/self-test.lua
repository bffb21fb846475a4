-- wrk: POST the self-test form (validate, score, store, 303).
wrk.method = "POST"
wrk.body = "age=30&education=bachelor_degree&insurance_months=24&contribution_tier=x0_8&base_duration=most&suburb_years=3"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
