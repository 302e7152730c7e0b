"""Model and data health: profiles and their statistics (stats/), the checks that grade them
against health.yaml's triggers (checks/), findings, and business KPIs."""
