/*
 * clinic_passwords: the embedded PostgreSQL server's rules for passwords set with CREATE ROLE or ALTER ROLE.
 *
 * - A login may not set its own password directly (psql's ALTER ROLE ... PASSWORD or \password): members of
 *   staff use the program's "Change my password", whose staff_change_own_password() checks nothing the desk has
 *   not checked already but records the change in the audit trail. That function runs as the schema's owner, so
 *   the role asking is then not the role changed. A superuser may change its own.
 * - A password given in plain text must have at least MIN_PASSWORD_LENGTH characters and must not contain the
 *   role's name. (One given as a SCRAM verifier cannot be read: the program checks those before hashing them.)
 *
 * The program loads it with shared_preload_libraries (app/db/embedded.py); it is built against the server headers
 * of the wheel that supplies the server (setup.py).
 */
#include "postgres.h"

#include "commands/user.h"
#include "fmgr.h"
#include "libpq/crypt.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"

PG_MODULE_MAGIC;

#define MIN_PASSWORD_LENGTH 8

void _PG_init(void);

static check_password_hook_type previous_hook = NULL;

static bool
contains_ignoring_case(const char *text, const char *part)
{
	size_t		part_length = strlen(part);

	for (; *text; text++)
	{
		if (pg_strncasecmp(text, part, part_length) == 0)
			return true;
	}
	return false;
}

static void
check_clinic_password(const char *username, const char *shadow_pass, PasswordType password_type,
					  Datum validuntil_time, bool validuntil_null)
{
	Oid			target;

	if (previous_hook)
		previous_hook(username, shadow_pass, password_type, validuntil_time, validuntil_null);

	target = get_role_oid(username, true);
	if (OidIsValid(target) && target == GetUserId() && !superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("password: change your own password with \"Change my password\" in Clinic Scheduler"),
				 errdetail("It checks the password's rules and records the change in the audit trail.")));

	if (password_type != PASSWORD_TYPE_PLAINTEXT)
		return;
	if (pg_mbstrlen(shadow_pass) < MIN_PASSWORD_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("password: must be at least %d characters", MIN_PASSWORD_LENGTH)));
	if (contains_ignoring_case(shadow_pass, username))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("password: must not contain the user name")));
}

void
_PG_init(void)
{
	previous_hook = check_password_hook;
	check_password_hook = check_clinic_password;
}
