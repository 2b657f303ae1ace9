//! xmlsec and libxml2 keep global state that must be set up once, on one
//! thread, before documents are parsed and signatures checked on many.
//!
//! Both libraries also print their own error lines to stderr by default
//! (`func=xmlSecDSigCtxVerify:file=xmldsig.c:line=367:...`, `C14N error :
//! Internal error ...`). A hostile request can make them print as many as
//! it likes, and the lines are not in the log format operators collect, so
//! both are routed into `tracing` at debug level instead: the refusal
//! itself is already logged (with the request id) by whoever asked, and
//! the library's view of it is there for whoever turns on debug logging.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Once;

static INIT: Once = Once::new();

/// Target of the log lines libxmlsec1 and libxml2 report.
const TARGET: &str = "soapbridge::wsse::xmlsec";

/// `xmlSecErrorsSetCallback` is in libxmlsec1's `errors.h`, which the
/// `xmlsec` crate's bindings leave out; libxmlsec1 is linked already.
type XmlSecErrorsCallback = Option<
    unsafe extern "C" fn(
        file: *const c_char,
        line: c_int,
        func: *const c_char,
        error_object: *const c_char,
        error_subject: *const c_char,
        reason: c_int,
        msg: *const c_char,
    ),
>;

unsafe extern "C" {
    fn xmlSecErrorsSetCallback(callback: XmlSecErrorsCallback);
}

/// Initializes libxml2's parser and xmlsec with its OpenSSL backend, and
/// sends xmlsec's error reports to `tracing`.
pub fn once() {
    INIT.call_once(|| {
        let _ = libxml::parser::Parser::default();
        // Initializing the OpenSSL backend installs its own callback, which
        // prints; ours replaces it afterwards.
        drop(xmlsec::XmlSecSignatureContext::new());
        // SAFETY: sets a process-wide function pointer, before any thread
        // verifies or signs (they all come through `once` first).
        unsafe { xmlSecErrorsSetCallback(Some(on_xmlsec_error)) };
    });
}

/// A C string libxmlsec1 or libxml2 handed us, or "" for a null pointer.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string alive for the call.
unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: per this function's contract.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// libxmlsec1's error callback. It must not unwind into C: a panic in a
/// log subscriber or writer is caught here (and the report dropped).
unsafe extern "C" fn on_xmlsec_error(
    _file: *const c_char,
    _line: c_int,
    func: *const c_char,
    error_object: *const c_char,
    error_subject: *const c_char,
    reason: c_int,
    msg: *const c_char,
) {
    // The C source file and line say nothing an operator can act on.
    // SAFETY: xmlsec passes null or valid strings for the call's duration.
    let (func, object, subject, msg) = unsafe {
        (
            text(func),
            text(error_object),
            text(error_subject),
            text(msg),
        )
    };
    let _ = std::panic::catch_unwind(|| {
        tracing::debug!(target: TARGET, %func, %object, %subject, reason, %msg, "xmlsec");
    });
}

/// libxml2's structured error handler (parser and C14N errors).
unsafe extern "C" fn on_libxml_error(_: *mut c_void, error: libxml::bindings::xmlErrorPtr) {
    if error.is_null() {
        return;
    }
    // SAFETY: libxml2 passes a valid error for the call's duration.
    let (domain, code, message) = unsafe {
        let e = &*error;
        (e.domain, e.code, text(e.message))
    };
    // As above: never unwind into C.
    let _ = std::panic::catch_unwind(|| {
        tracing::debug!(target: TARGET, domain, code, message = %message.trim_end(), "libxml2");
    });
}

/// While alive, libxml2 errors on this thread go to `tracing` instead of
/// stderr. libxml2 keeps its handler per thread, and verification runs on
/// whichever blocking thread is free, so each call installs it for its own
/// duration (and the previous handler comes back on drop, as the libxml
/// crate's parser does around each parse).
pub struct LibxmlErrorsToLog {
    saved: libxml::bindings::xmlStructuredErrorFunc,
    saved_ctx: *mut c_void,
}

impl LibxmlErrorsToLog {
    pub fn install() -> LibxmlErrorsToLog {
        once();
        use libxml::bindings::{
            __xmlStructuredError, __xmlStructuredErrorContext, xmlSetStructuredErrorFunc,
        };
        // SAFETY: reads and sets this thread's handler; our handler needs
        // no context.
        unsafe {
            let guard = LibxmlErrorsToLog {
                saved: *__xmlStructuredError(),
                saved_ctx: *__xmlStructuredErrorContext(),
            };
            xmlSetStructuredErrorFunc(std::ptr::null_mut(), Some(on_libxml_error));
            guard
        }
    }
}

impl Drop for LibxmlErrorsToLog {
    fn drop(&mut self) {
        // SAFETY: restores what `install` read on this same thread (the
        // guard is not Send: it holds a raw pointer).
        unsafe { libxml::bindings::xmlSetStructuredErrorFunc(self.saved_ctx, self.saved) }
    }
}
