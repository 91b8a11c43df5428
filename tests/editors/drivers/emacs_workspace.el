;;; emacs_workspace.el --- the workspace scope in Emacs: a closed file's match  -*- lexical-binding: t -*-
;; With the README's workspace configuration loaded before it, sets the pattern with the README's
;; `grepls--execute', waits for flymake to hold the open file's match, then asks
;; `grepls.listMatches' with no argument (every match in scope, the closed file's too). Then it
;; checks that eglot was never asked to watch files (grepls watches them itself), adds a match to
;; the closed file on disk, and asks again until grepls lists it. It writes both lists of
;; (uri, line, text), the number of eglot's file watches, and how many of the diagnostics
;; `flymake-show-project-diagnostics' lists are the closed file's, as JSON. Eglot is connected directly
;; (batch Emacs has no command loop for `eglot-ensure'); idle timers are fired by hand while it
;; waits.
(require 'json)
(require 'cl-lib)

(defun grepls-workspace--idle ()
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defun grepls-workspace--wait (condition)
  (let ((deadline (+ (float-time) 20)))
    (while (and (< (float-time) deadline) (not (funcall condition)))
      (accept-process-output nil 0.02)
      (grepls-workspace--idle))
    (funcall condition)))

(defun grepls-workspace--listed (more-than)
  "Ask `grepls.listMatches' until it lists more than MORE-THAN matches; the (uri line text) list."
  (let ((reply nil))
    (grepls-workspace--wait
     (lambda ()
       (let ((answer nil))
         (grepls--execute "grepls.listMatches" nil (lambda (r) (setq answer r)))
         (grepls-workspace--wait (lambda () answer))
         (setq reply answer)
         (> (length reply) more-than))))
    (mapcar (lambda (m)
              `((uri . ,(plist-get m :uri))
                (line . ,(plist-get (plist-get (plist-get m :range) :start) :line))
                (text . ,(plist-get m :text))))
            reply)))

(defun grepls-workspace--project-diagnostics (file)
  "How many of the diagnostics `flymake-show-project-diagnostics' lists are FILE's, a file no
buffer visits (asked from the open file's buffer, as the command is)."
  (cl-count-if (lambda (diagnostic)
                 (let ((locus (flymake--diag-locus diagnostic)))
                   (and (stringp locus) (file-equal-p locus file))))
               (flymake--project-diagnostics)))

(let ((ok nil) (listed nil) (relisted nil) (watches nil) (error-text nil) (project nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_OPEN"))
        (apply #'eglot (eglot--guess-contact))
        (unless (grepls-workspace--wait #'eglot-current-server)
          (error "eglot did not connect"))
        (grepls--execute "grepls.setPattern" (list "TODO") #'ignore)
        (unless (grepls-workspace--wait (lambda () (flymake-diagnostics)))
          (error "flymake holds no match of the open file"))
        ;; The closed file is searched by the workspace scan: ask until it is listed.
        (setq listed (grepls-workspace--listed 1))
        ;; The closed file's match in flymake's project diagnostics too.
        (grepls-workspace--wait
         (lambda () (> (grepls-workspace--project-diagnostics (getenv "GREPLS_CLOSED")) 0)))
        (setq project (grepls-workspace--project-diagnostics (getenv "GREPLS_CLOSED")))
        (setq watches (hash-table-count (eglot--file-watches (eglot-current-server))))
        ;; Changed on disk, reported by nobody but grepls's own watcher.
        (with-temp-file (getenv "GREPLS_CLOSED")
          (insert "nothing here\n  TODO: in a file nobody opened\nTODO: added on disk\n"))
        (setq relisted (grepls-workspace--listed 2))
        (setq ok (> (length relisted) 2)))
    (error (setq error-text (error-message-string err))))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false))
                             (error . ,error-text)
                             (listed . ,(vconcat listed))
                             (relisted . ,(vconcat relisted))
                             (watches . ,watches)
                             (project_diagnostics . ,project)
                             (emacs_version . ,emacs-version))))))
  (kill-emacs (if ok 0 1)))
;;; emacs_workspace.el ends here
