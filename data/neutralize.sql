-- a copied or staging database must not register sales on the shop's live fiscal devices:
-- each real device becomes its built-in emulator (is_emulator is a stored compute of kind)
UPDATE fiscal_device
   SET kind = kind || '_emulator',
       is_emulator = true
 WHERE kind IN ('caspos', 'n5');
-- and no scheduled action closes shifts or talks to devices: the crons this module ships,
-- and any cron on one of its fiscal.* models
UPDATE ir_cron
   SET active = false
 WHERE id IN (
           SELECT res_id
             FROM ir_model_data
            WHERE module = 'fiscal_device'
              AND model = 'ir.cron'
       )
    OR ir_actions_server_id IN (
           SELECT server.id
             FROM ir_act_server server
             JOIN ir_model model ON model.id = server.model_id
             JOIN ir_model_data data
               ON data.model = 'ir.model'
              AND data.res_id = model.id
              AND data.module = 'fiscal_device'
            WHERE model.model LIKE 'fiscal.%'
       );
-- and no fiscal agent (a process that reaches devices on Odoo's behalf) keeps working: the
-- fiscal_agent table exists only where its model is installed, hence the checks
DO $$
BEGIN
    IF to_regclass('fiscal_agent') IS NOT NULL
       AND EXISTS (
           SELECT 1
             FROM information_schema.columns
            WHERE table_name = 'fiscal_agent'
              AND column_name = 'active'
       ) THEN
        EXECUTE 'UPDATE fiscal_agent SET active = false';
    END IF;
END
$$;
