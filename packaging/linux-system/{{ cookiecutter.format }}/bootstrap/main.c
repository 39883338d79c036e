/*
 * Launcher of {{ cookiecutter.formal_name }}: embeds the system Python {{ cookiecutter.python_version }} and runs the app's
 * main module, like `python3 -m {{ cookiecutter.module_name }}` would, with the app's own code and packages.
 *
 * Layout (relative to this binary, so that it runs installed and from the build folder):
 *   <prefix>/bin/{{ cookiecutter.app_name }}               this launcher
 *   <prefix>/lib/{{ cookiecutter.app_name }}/app           the app's code
 *   <prefix>/lib/{{ cookiecutter.app_name }}/app_packages  its requirements
 * sys.path is those two folders then the system standard library; no site-packages of the system
 * or of the user, no PYTHONPATH/PYTHONHOME (the app's requirements are exactly the bundled ones).
 * The module is BRIEFCASE_MAIN_MODULE when set and not empty (Briefcase's convention; the app uses it
 * to start its companion server from the same launcher), else {{ cookiecutter.module_name }}.
 * The command-line arguments are passed as they are: the launcher has no options of its own.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef APP_NAME
#error "APP_NAME is defined by the Makefile"
#endif
#ifndef MAIN_MODULE
#error "MAIN_MODULE is defined by the Makefile"
#endif
#ifndef STDLIB_PATH
#error "STDLIB_PATH (the system Python's standard library folders, ':'-separated) is defined by the Makefile"
#endif

static PyStatus append_path(PyConfig *config, const char *path)
{
    wchar_t *wide = Py_DecodeLocale(path, NULL);
    if (wide == NULL) {
        return PyStatus_Error("cannot decode a path of the launcher");
    }
    PyStatus status = PyWideStringList_Append(&config->module_search_paths, wide);
    PyMem_RawFree(wide);
    return status;
}

static PyStatus search_paths(PyConfig *config, const char *lib)
{
    char path[PATH_MAX];
    const char *leaves[] = {"app", "app_packages"};
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        if (snprintf(path, sizeof path, "%s/%s", lib, leaves[i]) >= (int)sizeof path) {
            return PyStatus_Error("installation path too long");
        }
        PyStatus status = append_path(config, path);
        if (PyStatus_Exception(status)) {
            return status;
        }
    }
    char stdlib[] = STDLIB_PATH;
    char *saved = NULL;
    for (char *part = strtok_r(stdlib, ":", &saved); part != NULL; part = strtok_r(NULL, ":", &saved)) {
        PyStatus status = append_path(config, part);
        if (PyStatus_Exception(status)) {
            return status;
        }
    }
    config->module_search_paths_set = 1;
    return PyStatus_Ok();
}

int main(int argc, char *argv[])
{
    char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (length < 0) {
        perror(APP_NAME ": /proc/self/exe");
        return 70;
    }
    exe[length] = '\0';
    char *prefix = dirname(dirname(exe)); /* <prefix>/bin/<app> -> <prefix> */
    char lib[PATH_MAX];
    if (snprintf(lib, sizeof lib, "%s/lib/%s", prefix, APP_NAME) >= (int)sizeof lib) {
        fprintf(stderr, "%s: installation path too long\n", APP_NAME);
        return 70;
    }
    const char *module = getenv("BRIEFCASE_MAIN_MODULE");
    if (module == NULL || module[0] == '\0') {
        module = MAIN_MODULE;
    }

    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.parse_argv = 0;          /* sys.argv[1:] are the app's arguments, never Python options */
    config.use_environment = 0;     /* PYTHONPATH, PYTHONHOME… of the user's shell do not apply */
    config.user_site_directory = 0;
    config.site_import = 0;         /* no system or user site-packages: only the bundled ones */
    config.safe_path = 1;
    config.write_bytecode = 0;      /* /usr/lib is read-only for the user; keep the package as built */
    config.buffered_stdio = 0;      /* logs reach a redirected stdout/stderr at once */
    PyStatus status = PyConfig_SetBytesArgv(&config, argc, argv);
    if (!PyStatus_Exception(status)) {
        status = PyConfig_SetBytesString(&config, &config.run_module, module);
    }
    if (!PyStatus_Exception(status)) {
        status = search_paths(&config, lib);
    }
    if (!PyStatus_Exception(status)) {
        status = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }
    return Py_RunMain();
}
