// parts: the staff console's pages beyond the agreement editor; each registers itself with
// staff.js (register) when loaded.
import "./invitations.js";
import "./readiness.js";
import "./record.js";
import "./admin.js";
import "./archive.js";
import "./recordpage.js";
