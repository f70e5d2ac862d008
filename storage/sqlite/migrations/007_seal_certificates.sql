-- Every seal certificate the service has sealed with, published at
-- /.well-known/signroom/seal-certificates.json so verifiers can pin them.
CREATE TABLE seal_certificates (
	sha256       TEXT PRIMARY KEY,          -- hex SHA-256 of the certificate's DER
	pem          TEXT NOT NULL,
	in_use_since TEXT NOT NULL,             -- first start of the service with it
	retired_at   TEXT                       -- when another certificate replaced it
);
CREATE TRIGGER seal_certificates_no_delete BEFORE DELETE ON seal_certificates
BEGIN SELECT RAISE(ABORT, 'seal certificates stay published'); END;

-- The certificate each seal was made with (hex SHA-256); '' for seals made before it was kept.
ALTER TABLE seals ADD COLUMN seal_cert TEXT NOT NULL DEFAULT '';
